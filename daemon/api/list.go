package api

import "net/http"

// renderList answers a collection GET the way LXD does: the items that
// ?filter= keeps, as objects with ?recursion=1 or more, else as the URLs
// urlOf gives them.
func renderList[T any](w http.ResponseWriter, r *http.Request, items []T, urlOf func(T) string) error {
	items, err := filterList(items, r.URL.Query().Get("filter"))
	if err != nil {
		return err
	}
	if recursion(r) > 0 {
		return renderSync(w, items, nil)
	}
	urls := make([]string, 0, len(items))
	for _, it := range items {
		urls = append(urls, urlOf(it))
	}
	return renderSync(w, urls, nil)
}
