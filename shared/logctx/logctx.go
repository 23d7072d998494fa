package logctx

import (
	"context"

	"github.com/sirupsen/logrus"
)

type key struct{}

// With returns a copy of ctx carrying entry.
func With(ctx context.Context, entry *logrus.Entry) context.Context {
	return context.WithValue(ctx, key{}, entry)
}

// From returns the entry carried by ctx, or the standard logger's entry.
func From(ctx context.Context) *logrus.Entry {
	if ctx != nil {
		if e, ok := ctx.Value(key{}).(*logrus.Entry); ok {
			return e
		}
	}
	return logrus.NewEntry(logrus.StandardLogger())
}

// WithFields returns ctx whose entry has the extra fields.
func WithFields(ctx context.Context, fields logrus.Fields) context.Context {
	return With(ctx, From(ctx).WithFields(fields))
}
