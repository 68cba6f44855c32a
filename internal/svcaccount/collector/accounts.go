package collector

import (
	"context"
	"fmt"

	"github.com/canopyhq/canopy/internal/connect/m365"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Accounts gives the Microsoft 365 sync its connections' service accounts
// (m365.ServiceAccounts): decrypted only when the sync asks for one.
type Accounts struct {
	Keys *Keys
	// Decrypted, when set, is called after each decryption (tests count
	// them to show the web request path never decrypts).
	Decrypted func()
}

// Open returns the connection's service account with its password, or
// nil when none is set. The caller clears it (ServiceAccount.Clear).
func (a Accounts) Open(ctx context.Context, orgID, connectionID string) (*m365.ServiceAccount, error) {
	row, err := a.Keys.Store.GetM365ServiceAccount(ctx, orgID, connectionID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	pw, err := a.Keys.Decrypt(ctx, row.PasswordJWE)
	if err != nil {
		return nil, fmt.Errorf("decrypt the service account's password: %w", err)
	}
	if a.Decrypted != nil {
		a.Decrypted()
	}
	return &m365.ServiceAccount{Username: row.Username, Password: pw}, nil
}

// Record stores what the sync saw when it used the account.
func (a Accounts) Record(ctx context.Context, orgID, connectionID string, r m365.ServiceAccountResult) error {
	return a.Keys.Store.RecordM365ServiceAccountCheck(ctx, orgID, connectionID, r.State, r.Detail, r.Used)
}

// Status reads the account's last check without decrypting anything (the
// connection doctor runs in the web request).
func (a Accounts) Status(ctx context.Context, orgID, connectionID string) (*m365.ServiceAccountStatus, error) {
	return StoredStatus(ctx, a.Keys.Store, orgID, connectionID)
}

// StoredStatus reads a service account's last check from the store.
func StoredStatus(ctx context.Context, st *store.Store, orgID, connectionID string) (*m365.ServiceAccountStatus, error) {
	row, err := st.GetM365ServiceAccount(ctx, orgID, connectionID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &m365.ServiceAccountStatus{Username: row.Username, State: row.CheckState, Detail: row.CheckDetail,
		CheckedAt: row.CheckedAt, LastUsedAt: row.LastUsedAt}, nil
}
