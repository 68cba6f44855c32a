package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// loadNodeEnv is added to the nodes' environment (tests use it to run
// their own binary as canopy).
var loadNodeEnv []string

const (
	nodeStartTimeout = 90 * time.Second
	nodeStopTimeout  = 30 * time.Second
)

// loadNode is one `canopy serve` child process.
type loadNode struct {
	name string
	url  string
	log  string // its stderr, in the run's folder
	cmd  *exec.Cmd
	done chan struct{}
}

// startLoadNodes starts n `canopy serve` processes of this binary on
// 127.0.0.1 (free ports) and waits until each is ready.
func startLoadNodes(ctx context.Context, dsn, keyFile, dir string, n int) ([]*loadNode, error) {
	var nodes []*loadNode
	for i := range n {
		nd, err := startLoadNode(ctx, fmt.Sprintf("node %d", i+1), dsn, keyFile, dir)
		if err != nil {
			stopLoadNodes(nodes)
			return nil, err
		}
		nodes = append(nodes, nd)
	}
	return nodes, nil
}

func startLoadNode(ctx context.Context, name, dsn, keyFile, dir string) (*loadNode, error) {
	bin, err := os.Executable()
	if err != nil {
		return nil, err
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	nd := &loadNode{name: name, url: "http://" + addr, done: make(chan struct{}),
		log: filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".log")}
	logf, err := os.Create(nd.log)
	if err != nil {
		return nil, err
	}
	nd.cmd = exec.Command(bin, "serve", "--db", dsn, "--addr", addr, "--base-url", nd.url)
	nd.cmd.Env = append(append(envWithoutCanopy(), "CANOPY_KEY_FILE="+keyFile, "CANOPY_LOG_LEVEL=warn"), loadNodeEnv...)
	nd.cmd.Stdout, nd.cmd.Stderr = io.Discard, logf
	if err := nd.cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	go func() {
		_ = nd.cmd.Wait()
		logf.Close()
		close(nd.done)
	}()
	if err := nd.waitReady(ctx); err != nil {
		nd.stop()
		return nil, err
	}
	return nd, nil
}

func envWithoutCanopy() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CANOPY_") {
			env = append(env, kv)
		}
	}
	return env
}

func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func (nd *loadNode) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(nodeStartTimeout)
	client := &http.Client{Timeout: 5 * time.Second}
	for time.Now().Before(deadline) && ctx.Err() == nil {
		select {
		case <-nd.done:
			return fmt.Errorf("%s exited before it was ready: %s", nd.name, tail(nd.log))
		default:
		}
		if resp, err := client.Get(nd.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready at %s within %v: %s", nd.name, nd.url, nodeStartTimeout, tail(nd.log))
}

// stop asks for a graceful shutdown (SIGTERM) and kills the process if it
// has not ended within nodeStopTimeout.
func (nd *loadNode) stop() error {
	select {
	case <-nd.done:
		return exitStatus(nd)
	default:
	}
	_ = nd.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-nd.done:
		return exitStatus(nd)
	case <-time.After(nodeStopTimeout):
		_ = nd.cmd.Process.Kill()
		<-nd.done
		return fmt.Errorf("%s did not stop within %v of SIGTERM; killed", nd.name, nodeStopTimeout)
	}
}

func exitStatus(nd *loadNode) error {
	if st := nd.cmd.ProcessState; st != nil && !st.Success() {
		return fmt.Errorf("%s ended with %s: %s", nd.name, st, tail(nd.log))
	}
	return nil
}

// stopLoadNodes stops every node (again is harmless) and reports the
// first failure.
func stopLoadNodes(nodes []*loadNode) error {
	var errs []error
	for _, nd := range nodes {
		errs = append(errs, nd.stop())
	}
	return errors.Join(errs...)
}

func nodeURLs(nodes []*loadNode) []string {
	out := make([]string, len(nodes))
	for i, nd := range nodes {
		out[i] = nd.url
	}
	return out
}

// tail is the end of a log file, for an error message.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// monitor samples each node's resident memory (VmRSS, Linux /proc) and
// the machine's 1-minute load average every second during the run.
type monitor struct {
	mu      sync.Mutex
	peak    map[int]int64 // pid → highest VmRSS seen, bytes
	last    map[int]int64
	cpu0    map[int]float64 // pid → CPU seconds used when the run began
	cpu     map[int]float64 // … at the last sample
	loads   []float64
	quit    chan struct{}
	stopped chan struct{}
}

func startMonitor(nodes []*loadNode) *monitor {
	m := &monitor{peak: map[int]int64{}, last: map[int]int64{}, cpu0: map[int]float64{}, cpu: map[int]float64{},
		quit: make(chan struct{}), stopped: make(chan struct{})}
	for _, nd := range nodes {
		m.cpu0[nd.cmd.Process.Pid] = procCPUSeconds(nd.cmd.Process.Pid)
	}
	go func() {
		defer close(m.stopped)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			m.sample(nodes)
			select {
			case <-m.quit:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *monitor) stop() {
	close(m.quit)
	<-m.stopped
}

func (m *monitor) sample(nodes []*loadNode) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, nd := range nodes {
		pid := nd.cmd.Process.Pid
		if c := procCPUSeconds(pid); c > 0 {
			m.cpu[pid] = c
		}
		if rss := procStatusBytes(pid, "VmRSS:"); rss > 0 {
			m.last[pid] = rss
			m.peak[pid] = max(m.peak[pid], rss)
		}
	}
	if l, ok := loadAverage(); ok {
		m.loads = append(m.loads, l)
	}
}

// procStatusBytes reads a "kB" field of /proc/PID/status; 0 if unknown.
func procStatusBytes(pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// procCPUSeconds is the user+system CPU time of a process so far
// (/proc/PID/stat, in clock ticks of 1/100 s on Linux); 0 if unknown.
func procCPUSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; fields after it are plain.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100
}

func loadAverage() (float64, bool) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, false
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 {
		return 0, false
	}
	l, err := strconv.ParseFloat(fields[0], 64)
	return l, err == nil
}

func (m *monitor) write(w io.Writer, nodes []*loadNode) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, nd := range nodes {
		pid := nd.cmd.Process.Pid
		fmt.Fprintf(w, "memory %s (pid %d): RSS at the end %.0f MiB, peak %.0f MiB; CPU used during the run %.1f s\n", nd.name, pid,
			float64(m.last[pid])/(1<<20), float64(m.peak[pid])/(1<<20), m.cpu[pid]-m.cpu0[pid])
	}
	if len(m.loads) > 0 {
		lo, hi, sum := m.loads[0], m.loads[0], 0.0
		for _, l := range m.loads {
			lo, hi, sum = min(lo, l), max(hi, l), sum+l
		}
		fmt.Fprintf(w, "load average (1 min, sampled each second): min %.2f, mean %.2f, max %.2f\n", lo, sum/float64(len(m.loads)), hi)
	}
}
