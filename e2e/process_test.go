package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Generous limits: CI machines are small and busy. Nothing asserts on
// durations; these only stop a hung test.
const (
	startTimeout = 60 * time.Second
	stopTimeout  = 30 * time.Second
	cliTimeout   = 60 * time.Second
	mailTimeout  = 60 * time.Second
)

// syncBuffer collects a child's output while tests read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is a long-running canopy child process (serve or demo).
type proc struct {
	name   string
	cmd    *exec.Cmd
	stdout syncBuffer
	stderr syncBuffer
	done   chan struct{}
	err    error // Wait's result, valid after done is closed
}

// startProc starts canopy with args and env (added to a clean base
// environment) and stops it with SIGTERM when the test ends, asserting a
// graceful exit (status 0). Its output is printed if the test failed.
func startProc(t *testing.T, name string, env []string, args ...string) *proc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &proc{name: name, done: make(chan struct{})}
	p.cmd = exec.CommandContext(ctx, canopyBin, args...)
	p.cmd.Env = append(baseEnv(), env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	// Cancelling asks for a graceful shutdown; only a process that ignores
	// it for stopTimeout is killed (and then fails the test).
	p.cmd.Cancel = func() error { return p.cmd.Process.Signal(syscall.SIGTERM) }
	p.cmd.WaitDelay = stopTimeout
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("--- %s stdout ---\n%s\n--- %s stderr ---\n%s", name, p.stdout.String(), name, p.stderr.String())
		}
	})
	if err := p.cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		cancel()
		<-p.done
		if err := p.exitError(); err != nil {
			t.Errorf("%s did not shut down gracefully on SIGTERM: %v", name, err)
		}
		assertNoSecretsLogged(t, name, p.stderr.String())
	})
	return p
}

// exitError describes an unsuccessful exit. Wait reports the context's
// error even after a clean exit on SIGTERM, so the exit status decides.
func (p *proc) exitError() error {
	if st := p.cmd.ProcessState; st != nil && st.Success() {
		return nil
	}
	if st := p.cmd.ProcessState; st != nil {
		return fmt.Errorf("%s (wait: %v)", st, p.err)
	}
	return p.err
}

// stop sends SIGTERM now and waits for a graceful exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("signal %s: %v", p.name, err)
	}
	<-p.done
	if err := p.exitError(); err != nil {
		t.Fatalf("%s did not shut down gracefully on SIGTERM: %v\n%s", p.name, err, p.stderr.String())
	}
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitReady polls GET baseURL/readyz until it answers 200.
func (p *proc) waitReady(t *testing.T, baseURL string) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		if p.exited() {
			t.Fatalf("%s exited before it was ready: %v\n%s", p.name, p.exitError(), p.stderr.String())
		}
		resp, err := client.Get(baseURL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s not ready at %s/readyz within %v", p.name, baseURL, startTimeout)
}

// baseEnv is the parent's environment without CANOPY_* settings, so a
// developer's shell cannot change what a test runs against.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CANOPY_") {
			env = append(env, kv)
		}
	}
	// Debug logging: the secret check below then reads every line Canopy
	// can write.
	return append(env, "CANOPY_WORKERS=2", "CANOPY_LOG_LEVEL=debug")
}

// freeAddr returns a 127.0.0.1 address with a port that was free a moment
// ago. The child binds it itself (it must print and use the real address).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// cliResult is a finished canopy command.
type cliResult struct {
	Stdout, Stderr string
	Code           int
}

// runCLI runs one canopy command to completion.
func runCLI(t *testing.T, env []string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, canopyBin, args...)
	cmd.Env = append(baseEnv(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := cliResult{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && ctx.Err() == nil:
		res.Code = exit.ExitCode()
	default:
		t.Fatalf("canopy %s: %v\nstderr: %s", strings.Join(args, " "), err, res.Stderr)
	}
	return res
}

// mustCLI runs a command that must succeed.
func mustCLI(t *testing.T, env []string, args ...string) cliResult {
	t.Helper()
	res := runCLI(t, env, args...)
	if res.Code != 0 {
		t.Fatalf("canopy %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), res.Code, res.Stdout, res.Stderr)
	}
	return res
}
