package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
)

// maxJSONBody bounds JSON request bodies; uploads stream separately.
const maxJSONBody = 16 << 20

// PathParam returns the unescaped value of a chi URL parameter (chi matches
// on the raw path, so names with %2F arrive escaped).
func PathParam(r *http.Request, name string) string {
	v := chi.URLParam(r, name)
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}

// projectParam returns ?project= (default "default") after checking that
// the caller may use it.
func projectParam(r *http.Request) (string, error) {
	p := r.URL.Query().Get("project")
	if p == "" {
		p = "default"
	}
	if err := request.From(r.Context()).CheckProject(p); err != nil {
		return "", err
	}
	return p, nil
}

// allProjects reports whether ?all-projects=true was given.
func allProjects(r *http.Request) bool {
	v := r.URL.Query().Get("all-projects")
	return v == "true" || v == "1"
}

// recursion returns ?recursion= (0, 1 or 2).
func recursion(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("recursion"))
	if err != nil || n < 0 {
		return 0
	}
	if n > 2 {
		return 2
	}
	return n
}

// decodeJSON reads a JSON body into v with LXD's error texts: the decoder's
// own message as a 400, and 413 for oversized bodies.
func decodeJSON(r *http.Request, v any) error {
	body := io.LimitReader(r.Body, maxJSONBody+1)
	data, err := io.ReadAll(body)
	if err != nil {
		return api.BadRequest("Failed to read request body: %w", err)
	}
	if len(data) > maxJSONBody {
		return api.NewStatusError(http.StatusRequestEntityTooLarge, "Request body too large (limit %d bytes)", maxJSONBody)
	}
	if len(data) == 0 {
		return api.BadRequest("unexpected EOF")
	}
	if err := json.Unmarshal(data, v); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) && syntax.Offset >= int64(len(data)) {
			return api.BadRequest("unexpected EOF")
		}
		return api.BadRequest("%s", err.Error())
	}
	return nil
}

// configToStrings converts a JSON config map whose values may be strings,
// numbers or booleans (as clients send them) into strings.
func configToStrings(in map[string]any) (map[string]string, error) {
	out := make(map[string]string, len(in))
	for k, v := range in {
		switch t := v.(type) {
		case string:
			out[k] = t
		case bool:
			out[k] = strconv.FormatBool(t)
		case float64:
			out[k] = strconv.FormatFloat(t, 'f', -1, 64)
		case nil:
			out[k] = ""
		default:
			return nil, api.BadRequest("Invalid value for key %q: %v", k, fmt.Sprint(v))
		}
	}
	return out, nil
}
