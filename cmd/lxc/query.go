package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

type queryFlags struct {
	method string
	data   string
	wait   bool
	raw    bool
}

func queryCommand(a *app) *cobra.Command {
	f := &queryFlags{}
	cmd := &cobra.Command{
		Use:   "query [<remote>:]<API path>",
		Short: "Send a raw query to LXD",
		Example: `  lxc query -X DELETE --wait /1.0/instances/c1
      Delete local instance "c1".`,
		RunE: withArgCount(1, 1, func(args []string) error {
			return a.query(f, args[0])
		}),
	}
	cmd.Flags().StringVarP(&f.method, "request", "X", "GET", "Action (defaults to GET)``")
	cmd.Flags().StringVarP(&f.data, "data", "d", "", "Input data``")
	cmd.Flags().BoolVar(&f.wait, "wait", false, "Wait for the operation to complete")
	cmd.Flags().BoolVar(&f.raw, "raw", false, "Print the raw response")
	return lessCommon(cmd)
}

func (a *app) query(f *queryFlags, arg string) error {
	remote, path, err := a.parseRemote(arg)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(path, "/") {
		return fmt.Errorf("Query path must start with /")
	}
	c, err := a.connect(remote)
	if err != nil {
		return err
	}
	resp, body, err := a.rawQuery(c, f, path)
	if err != nil {
		return err
	}
	if resp == nil {
		// Not an API envelope (file contents, exports): print as is.
		_, err := a.stdout.Write(body)
		return err
	}
	if f.wait && resp.Type == api.AsyncResponse {
		op, err := resp.MetadataAsOperation()
		if err != nil {
			return err
		}
		handle, err := c.OperationByID(a.ctx, op.ID)
		if err != nil {
			return err
		}
		if err := handle.Wait(a.ctx); err != nil {
			return err
		}
		if resp.Metadata, err = json.Marshal(handle.Metadata); err != nil {
			return err
		}
	}
	return a.printQueryResponse(resp, f.raw)
}

// rawQuery sends the request; -d is sent as JSON when it parses as JSON
// and as a JSON string otherwise. It returns the decoded envelope, or nil
// and the body when the answer is not one.
func (a *app) rawQuery(c *client.Client, f *queryFlags, path string) (*api.Response, []byte, error) {
	var body io.Reader
	headers := http.Header{}
	if f.data != "" {
		var payload any
		if json.Unmarshal([]byte(f.data), &payload) != nil {
			payload = f.data
		}
		data, err := json.Marshal(payload)
		if err != nil {
			return nil, nil, err
		}
		body = bytes.NewReader(data)
		headers.Set("Content-Type", "application/json")
	}
	a.debugf("Sending request to LXD: %s %s", f.method, path)
	httpResp, err := c.Raw(a.ctx, strings.ToUpper(f.method), path, body, headers)
	if err != nil {
		return nil, nil, err
	}
	defer httpResp.Body.Close()
	data, err := io.ReadAll(httpResp.Body)
	if err != nil {
		return nil, nil, err
	}
	var resp api.Response
	if json.Unmarshal(data, &resp) != nil || resp.Type == "" {
		if httpResp.StatusCode >= 400 {
			return nil, nil, &api.StatusError{Status: httpResp.StatusCode, Msg: strings.TrimSpace(string(data))}
		}
		return nil, data, nil
	}
	if resp.Type == api.ErrorResponse {
		return nil, nil, &api.StatusError{Status: resp.ErrorCode, Msg: resp.Error}
	}
	return &resp, data, nil
}

// printQueryResponse prints the metadata (or with --raw the envelope) as
// tab-indented JSON; empty metadata prints nothing, like LXD.
func (a *app) printQueryResponse(resp *api.Response, raw bool) error {
	var out any = resp
	if !raw {
		meta := strings.TrimSpace(string(resp.Metadata))
		if meta == "" || meta == "null" || meta == "{}" {
			return nil
		}
		var content any
		if err := json.Unmarshal(resp.Metadata, &content); err != nil {
			return err
		}
		out = content
	}
	data, err := json.MarshalIndent(out, "", "\t")
	if err != nil {
		return err
	}
	if raw {
		// LXD's client ends the raw envelope with a blank line.
		data = append(data, '\n')
	}
	fmt.Fprintln(a.stdout, string(data))
	return nil
}
