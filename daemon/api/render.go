package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
)

// writeJSON writes v with LXD's headers.
func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		data, _ = json.Marshal(api.ResponseRaw{Type: api.ErrorResponse, ErrorCode: status, Error: err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
	_, _ = w.Write([]byte("\n"))
}

// renderSync answers 200 with metadata; etag (any value) sets the ETag
// header computed as LXD does.
func renderSync(w http.ResponseWriter, metadata any, etag any) error {
	if etag != nil {
		tag, err := etagOf(etag)
		if err != nil {
			return err
		}
		w.Header().Set("ETag", `"`+tag+`"`)
	}
	writeJSON(w, http.StatusOK, api.ResponseRaw{Type: api.SyncResponse, Status: "Success", StatusCode: 200, Metadata: metadata})
	return nil
}

// renderEmpty answers 200 with metadata {}.
func renderEmpty(w http.ResponseWriter) error { return renderSync(w, map[string]any{}, nil) }

// renderCreated answers 201 with a Location header and null metadata, as
// LXD does for profile, network, project and alias creation.
func renderCreated(w http.ResponseWriter, location string) error {
	w.Header().Set("Location", location)
	writeJSON(w, http.StatusCreated, api.ResponseRaw{Type: api.SyncResponse, Status: "Success", StatusCode: 200})
	return nil
}

// renderAsync answers 202 for a started operation.
func renderAsync(w http.ResponseWriter, r *http.Request, op *operations.Op) error {
	url := op.URL()
	if p := r.URL.Query().Get("project"); p != "" && p != "default" {
		url += "?project=" + p
	}
	w.Header().Set("Location", url)
	writeJSON(w, http.StatusAccepted, api.ResponseRaw{
		Type: api.AsyncResponse, Status: api.OperationCreated.String(), StatusCode: int(api.OperationCreated),
		Operation: url, Metadata: op.Render(),
	})
	return nil
}

// renderError answers with LXD's error envelope and logs the error once.
func renderError(w http.ResponseWriter, r *http.Request, err error) {
	status := api.StatusOf(err)
	log := logctx.From(r.Context()).WithError(err).WithField("status", status)
	if status >= 500 {
		log.Error("Request failed")
	} else {
		log.Debug("Request refused")
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	writeJSON(w, status, api.ResponseRaw{Type: api.ErrorResponse, ErrorCode: status, Error: err.Error()})
}

// etagOf is LXD's ETag: hex(sha256(json(v) + "\n")).
func etagOf(v any) (string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(append(data, '\n'))
	return hex.EncodeToString(sum[:]), nil
}

// checkETag returns 412 when the request carries an If-Match that does not
// match the current state.
func checkETag(r *http.Request, current any) error {
	match := strings.Trim(r.Header.Get("If-Match"), `"`)
	if match == "" {
		return nil
	}
	tag, err := etagOf(current)
	if err != nil {
		return err
	}
	if tag != match {
		return api.PreconditionFailed("ETag doesn't match: %s vs %s", tag, match)
	}
	return nil
}
