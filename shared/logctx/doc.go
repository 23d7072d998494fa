// Package logctx carries a *logrus.Entry in a context.Context so that request,
// operation and object fields follow the work through every layer.
//
// It imports only logrus and the standard library.
package logctx
