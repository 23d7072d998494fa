package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"gopkg.in/yaml.v2"
)

// Remote is one entry of config.yml's "remotes" map. The YAML keys and the
// Go field names (which `remote list --format=json` prints, as LXD's client
// has no JSON tags here) follow LXD's client config exactly.
type Remote struct {
	Addr     string `yaml:"addr"`
	AuthType string `yaml:"auth_type,omitempty"`
	Domain   string `yaml:"domain,omitempty"`
	Project  string `yaml:"project,omitempty"`
	Protocol string `yaml:"protocol,omitempty"`
	Public   bool   `yaml:"public"`
	Global   bool   `yaml:"-"`
	Static   bool   `yaml:"-"`
}

// Config is the client's config.yml plus where it lives. It is written in
// the same format as LXD 5.0.2's lxc so both clients share a config dir.
type Config struct {
	DefaultRemote string            `yaml:"default-remote"`
	Remotes       map[string]Remote `yaml:"remotes"`
	Aliases       map[string]string `yaml:"aliases"`

	// Dir is the config directory ($LXD_CONF or ~/.config/lxc).
	Dir string `yaml:"-"`
}

// staticRemotes are always present and can't be changed or removed; like
// LXD's client they override whatever the file says.
func staticRemotes() map[string]Remote {
	return map[string]Remote{
		"local":        {Addr: "unix://", Public: false, Static: true},
		"ubuntu":       {Addr: "https://cloud-images.ubuntu.com/releases", Protocol: "simplestreams", Public: true, Static: true},
		"ubuntu-daily": {Addr: "https://cloud-images.ubuntu.com/daily", Protocol: "simplestreams", Public: true, Static: true},
	}
}

// defaultRemotes are what a new config file starts with.
func defaultRemotes() map[string]Remote {
	return map[string]Remote{
		"images": {Addr: "https://images.linuxcontainers.org", Protocol: "simplestreams", Public: true},
		"local":  {Addr: "unix://", Public: false, Static: true},
	}
}

// NewConfig returns the configuration a first run starts from.
func NewConfig(dir string) *Config {
	c := &Config{DefaultRemote: "local", Remotes: defaultRemotes(), Aliases: map[string]string{}, Dir: dir}
	c.addStatic()
	return c
}

// configDir is $LXD_CONF, else ~/.config/lxc.
func configDir() (string, error) {
	if d := os.Getenv("LXD_CONF"); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("Failed to find the home directory: %w", err)
	}
	return filepath.Join(home, ".config", "lxc"), nil
}

// LoadConfig reads dir/config.yml; a missing file gives the defaults.
func LoadConfig(dir string) (*Config, error) {
	data, err := os.ReadFile(filepath.Join(dir, "config.yml"))
	if errors.Is(err, os.ErrNotExist) {
		return NewConfig(dir), nil
	}
	if err != nil {
		return nil, fmt.Errorf("Unable to read the configuration file: %w", err)
	}
	return parseConfig(dir, data)
}

func parseConfig(dir string, data []byte) (*Config, error) {
	c := &Config{}
	if err := yaml.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("Unable to decode the configuration: %w", err)
	}
	c.Dir = dir
	if c.Remotes == nil {
		c.Remotes = defaultRemotes()
	}
	if c.Aliases == nil {
		c.Aliases = map[string]string{}
	}
	if c.DefaultRemote == "" {
		c.DefaultRemote = "local"
	}
	c.addStatic()
	return c, nil
}

func (c *Config) addStatic() {
	for name, r := range staticRemotes() {
		// The project chosen with `lxc project switch` survives, as in LXD.
		r.Project = c.Remotes[name].Project
		c.Remotes[name] = r
	}
}

// Marshal renders config.yml. Static remotes other than "local" are left
// out, as LXD's client does, so the file only holds what the user chose.
func (c *Config) Marshal() ([]byte, error) {
	out := Config{DefaultRemote: c.DefaultRemote, Remotes: map[string]Remote{}, Aliases: c.Aliases}
	for name, r := range c.Remotes {
		if (r.Static && name != "local") || r.Global {
			continue
		}
		out.Remotes[name] = r
	}
	if out.Aliases == nil {
		out.Aliases = map[string]string{}
	}
	return yaml.Marshal(&out)
}

// Save writes config.yml atomically, creating the directory if needed.
func (c *Config) Save() error {
	data, err := c.Marshal()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.Dir, 0o750); err != nil {
		return fmt.Errorf("Unable to create the configuration directory: %w", err)
	}
	path := filepath.Join(c.Dir, "config.yml")
	tmp, err := os.CreateTemp(c.Dir, ".config.yml.")
	if err != nil {
		return fmt.Errorf("Unable to save the configuration: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("Unable to save the configuration: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Path returns a file inside the config directory.
func (c *Config) Path(elem ...string) string {
	return filepath.Join(append([]string{c.Dir}, elem...)...)
}

// ServerCertPath is where a remote's pinned server certificate lives.
func (c *Config) ServerCertPath(remote string) string {
	return c.Path("servercerts", remote+".crt")
}

// RemoteNames returns the remote names sorted.
func (c *Config) RemoteNames() []string {
	names := make([]string, 0, len(c.Remotes))
	for n := range c.Remotes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
