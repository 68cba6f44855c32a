package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

const userCols = `u.id, u.email, u.name, u.password_hash, u.must_change_password, u.status, u.mfa_secret, u.mfa_enabled,
	u.mfa_last_step, u.last_sign_in_at, u.password_changed_at, u.created_at, u.updated_at`

func scanUser(s scanner) (domain.User, error) {
	var u domain.User
	var last, changed sql.NullTime
	err := s.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.MustChangePassword, &u.Status, &u.MFASecret, &u.MFAEnabled,
		&u.MFALastStep, &last, &changed, &u.CreatedAt, &u.UpdatedAt)
	u.LastSignInAt, u.PasswordChangedAt = timePtr(last), timePtr(changed)
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, err
}

// NormalizeEmail is the one form emails are stored and looked up in.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CreateUser inserts a user; a taken email is a conflict.
func (q *Queries) CreateUser(ctx context.Context, u domain.User) error {
	_, err := q.w().exec(ctx, `INSERT INTO users (id, email, name, password_hash, must_change_password, status, mfa_secret,
		mfa_enabled, mfa_last_step, last_sign_in_at, password_changed_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, NormalizeEmail(u.Email), u.Name, u.PasswordHash, u.MustChangePassword, u.Status, u.MFASecret, u.MFAEnabled,
		u.MFALastStep, optTime(u.LastSignInAt), optTime(u.PasswordChangedAt), u.CreatedAt, u.UpdatedAt)
	if isUniqueViolation(err) {
		return &domain.Error{Code: domain.CodeConflict, Field: "email", Message: "a user with this email already exists"}
	}
	return err
}

// GetUser returns a user by ID.
func (q *Queries) GetUser(ctx context.Context, id string) (domain.User, error) {
	u, err := scanUser(q.w().row(ctx, `SELECT `+userCols+` FROM users u WHERE u.id = ?`, id))
	return u, notFound(err, "user")
}

// GetUserByEmail returns a user by email (case-insensitive).
func (q *Queries) GetUserByEmail(ctx context.Context, email string) (domain.User, error) {
	u, err := scanUser(q.w().row(ctx, `SELECT `+userCols+` FROM users u WHERE u.email = ?`, NormalizeEmail(email)))
	return u, notFound(err, "user")
}

// SetPassword stores a password the user chose (clearing a one-time
// password's obligation to change it).
func (q *Queries) SetPassword(ctx context.Context, userID, hash string, at time.Time) error {
	res, err := q.w().exec(ctx, `UPDATE users SET password_hash = ?, must_change_password = FALSE, password_changed_at = ?,
		updated_at = ? WHERE id = ?`, hash, at, at, userID)
	return mustAffect(res, err, "user")
}

// RehashPassword replaces the hash of an unchanged password (new
// parameters), keeping password_changed_at.
func (q *Queries) RehashPassword(ctx context.Context, userID, oldHash, newHash string) error {
	_, err := q.w().exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?`,
		newHash, userID, oldHash)
	return err
}

// SetUserStatus activates, deactivates or marks a user invited.
func (q *Queries) SetUserStatus(ctx context.Context, userID, status string, at time.Time) error {
	res, err := q.w().exec(ctx, `UPDATE users SET status = ?, updated_at = ? WHERE id = ?`, status, at, userID)
	return mustAffect(res, err, "user")
}

// SetUserName changes a user's display name.
func (q *Queries) SetUserName(ctx context.Context, userID, name string, at time.Time) error {
	res, err := q.w().exec(ctx, `UPDATE users SET name = ?, updated_at = ? WHERE id = ?`, name, at, userID)
	return mustAffect(res, err, "user")
}

// SetMFA stores the sealed TOTP secret and whether MFA is on. Turning MFA
// off clears the secret and the recovery codes.
func (q *Queries) SetMFA(ctx context.Context, userID, sealedSecret string, enabled bool, at time.Time) error {
	res, err := q.w().exec(ctx, `UPDATE users SET mfa_secret = ?, mfa_enabled = ?, mfa_last_step = 0, updated_at = ?
		WHERE id = ?`, sealedSecret, enabled, at, userID)
	if err := mustAffect(res, err, "user"); err != nil {
		return err
	}
	if !enabled {
		_, err = q.w().exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID)
	}
	return err
}

// AdvanceMFAStep records the last TOTP step used, refusing replays: it
// succeeds only when step is newer than the stored one.
func (q *Queries) AdvanceMFAStep(ctx context.Context, userID string, step int64) (bool, error) {
	res, err := q.w().exec(ctx, `UPDATE users SET mfa_last_step = ? WHERE id = ? AND mfa_last_step < ?`,
		step, userID, step)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// TouchSignIn records a successful sign-in.
func (q *Queries) TouchSignIn(ctx context.Context, userID string, at time.Time) error {
	_, err := q.w().exec(ctx, `UPDATE users SET last_sign_in_at = ? WHERE id = ?`, at, userID)
	return err
}

// ReplaceRecoveryCodes stores a fresh set of recovery code hashes.
func (q *Queries) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes []string) error {
	if _, err := q.w().exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return err
	}
	for _, h := range hashes {
		if _, err := q.w().exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)`, userID, h); err != nil {
			return err
		}
	}
	return nil
}

// UseRecoveryCode marks an unused code as used; false when there is none.
func (q *Queries) UseRecoveryCode(ctx context.Context, userID, hash string, at time.Time) (bool, error) {
	res, err := q.w().exec(ctx, `UPDATE recovery_codes SET used_at = ?
		WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`, at, userID, hash)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// CountRecoveryCodes returns how many unused recovery codes a user has.
func (q *Queries) CountRecoveryCodes(ctx context.Context, userID string) (int, error) {
	var n int
	err := q.r().row(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID).Scan(&n)
	return n, err
}
