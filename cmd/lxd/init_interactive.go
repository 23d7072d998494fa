package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/lxdng/lxd/shared/api"
)

// asker reads answers to LXD's interactive `lxd init` questions.
type asker struct {
	in  *bufio.Reader
	out io.Writer
}

func newAsker(in io.Reader, out io.Writer) *asker { return &asker{in: bufio.NewReader(in), out: out} }

func (a *asker) ask(question, def string) (string, error) {
	fmt.Fprint(a.out, question)
	line, err := a.in.ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return "", errors.New("Interactive input ended: use --auto or --preseed for unattended setups")
	}
	if line = strings.TrimSpace(line); line == "" {
		return def, nil
	}
	return line, nil
}

func (a *asker) yesNo(question string, def bool) (bool, error) {
	d := "no"
	if def {
		d = "yes"
	}
	for {
		v, err := a.ask(fmt.Sprintf("%s (yes/no) [default=%s]: ", question, d), d)
		if err != nil {
			return false, err
		}
		switch strings.ToLower(v) {
		case "yes", "y":
			return true, nil
		case "no", "n":
			return false, nil
		}
		fmt.Fprintln(a.out, "Invalid input, try again.")
	}
}

// askClustering asks LXD's clustering questions and returns the preseed
// they amount to. Storage and network setup are not asked (use --auto or
// --preseed for them).
func askClustering(a *asker) (preseed, error) {
	p := preseed{Config: map[string]any{}}
	use, err := a.yesNo("Would you like to use LXD clustering?", false)
	if err != nil || !use {
		if err == nil {
			err = errors.New("Interactive mode only sets up clustering here: use --auto, --preseed or --dump")
		}
		return p, err
	}
	addr, err := a.ask(fmt.Sprintf("What IP address or DNS name should be used to reach this server? [default=%s]: ", defaultIP()), defaultIP())
	if err != nil {
		return p, err
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, "8443")
	}
	joining, err := a.yesNo("Are you joining an existing cluster?", false)
	if err != nil {
		return p, err
	}
	if !joining {
		host, _ := os.Hostname()
		name, err := a.ask(fmt.Sprintf("What member name should be used to identify this server in the cluster? [default=%s]: ", host), host)
		if err != nil {
			return p, err
		}
		p.Config["core.https_address"] = addr
		p.Cluster = map[string]any{"server_name": name, "enabled": true}
		return p, a.maybePrint(p)
	}
	return askJoin(a, p, addr)
}

func askJoin(a *asker, p preseed, addr string) (preseed, error) {
	raw, err := a.ask("Please provide join token: ", "")
	if err != nil {
		return p, err
	}
	data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(raw))
	var tok api.ClusterMemberJoinToken
	if err != nil || json.Unmarshal(data, &tok) != nil || len(tok.Addresses) == 0 {
		return p, errors.New("Invalid join token")
	}
	ok, err := a.yesNo("All existing data is lost when joining a cluster, continue?", false)
	if err != nil || !ok {
		if err == nil {
			err = errors.New("User aborted configuration")
		}
		return p, err
	}
	p.Config = nil
	p.Cluster = map[string]any{"server_name": tok.ServerName, "enabled": true, "server_address": addr,
		"cluster_address": tok.Addresses[0], "cluster_token": strings.TrimSpace(raw), "member_config": []any{}}
	return p, a.maybePrint(p)
}

func (a *asker) maybePrint(p preseed) error {
	show, err := a.yesNo(`Would you like a YAML "lxd init" preseed to be printed?`, false)
	if err != nil || !show {
		return err
	}
	out, err := yaml.Marshal(p)
	if err != nil {
		return err
	}
	_, err = a.out.Write(out)
	return err
}

// defaultIP is the first global unicast address of the host.
func defaultIP() string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.IsGlobalUnicast() {
			return ipn.IP.String()
		}
	}
	return "127.0.0.1"
}
