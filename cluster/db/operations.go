package db

import (
	"context"
	"database/sql"
	"errors"

	"github.com/lxdng/lxd/shared/api"
)

// CreateOperation records which member runs operation uuid.
func (t *Tx) CreateOperation(ctx context.Context, uuid string, memberID int64, project, class string) error {
	_, err := t.Exec(ctx, "INSERT INTO operations (uuid, member_id, project, class) VALUES (?, ?, ?, ?)", uuid, memberID, project, class)
	return err
}

// DeleteOperation forgets an operation.
func (t *Tx) DeleteOperation(ctx context.Context, uuid string) error {
	_, err := t.Exec(ctx, "DELETE FROM operations WHERE uuid = ?", uuid)
	return err
}

// OperationMember returns the address of the member running uuid.
func (t *Tx) OperationMember(ctx context.Context, uuid string) (string, error) {
	var addr string
	err := t.QueryRow(ctx, `SELECT m.address FROM operations o JOIN members m ON m.id = o.member_id
		WHERE o.uuid = ?`, uuid).Scan(&addr)
	if errors.Is(err, sql.ErrNoRows) {
		return "", api.NotFound("Operation not found")
	}
	return addr, err
}

// DeleteMemberOperations forgets every operation of a member (at its start).
func (t *Tx) DeleteMemberOperations(ctx context.Context, memberID int64) error {
	_, err := t.Exec(ctx, "DELETE FROM operations WHERE member_id = ?", memberID)
	return err
}
