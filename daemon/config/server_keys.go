package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	schema "github.com/lxdng/lxd/shared/config"
)

func isCompression(v string) error {
	return schema.IsOneOf("none", "gzip", "bzip2", "lzma", "xz", "zstd", "squashfs")(v)
}

// isTokenExpiry accepts LXD's expiry notation ("3H", "1d", "30M", "2w").
func isTokenExpiry(v string) error {
	_, err := ParseExpiry(v)
	return err
}

// isOfflineThreshold accepts more than 10 seconds (LXD 5.0.2 refuses 10
// itself, and sets no upper bound).
func isOfflineThreshold(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return fmt.Errorf("invalid integer")
	}
	if n <= 10 {
		return fmt.Errorf("Value must be greater than '10'")
	}
	return nil
}

// ParseExpiry parses LXD's "<n><unit>" durations: S, M, H, d, w, m, y.
func ParseExpiry(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	units := map[byte]time.Duration{'S': time.Second, 'M': time.Minute, 'H': time.Hour, 'd': 24 * time.Hour,
		'w': 7 * 24 * time.Hour, 'm': 30 * 24 * time.Hour, 'y': 365 * 24 * time.Hour}
	var total time.Duration
	for _, part := range strings.Fields(v) {
		unit, ok := units[part[len(part)-1]]
		n, err := strconv.Atoi(part[:len(part)-1])
		if !ok || err != nil || n < 0 {
			return 0, fmt.Errorf("Invalid expiry expression")
		}
		total += time.Duration(n) * unit
	}
	return total, nil
}

// ServerKeys is the table of server config keys (LXD 5.0.2's set, limited to
// the features this daemon has).
var ServerKeys = schema.Schema{
	"core.https_address":             {Scope: schema.Member, Validate: schema.IsListenAddress, Help: "Address to bind for the remote API (HTTPS)"},
	"core.https_allowed_origin":      {Help: "Access-Control-Allow-Origin HTTP header value"},
	"core.https_allowed_methods":     {Help: "Access-Control-Allow-Methods HTTP header value"},
	"core.https_allowed_headers":     {Help: "Access-Control-Allow-Headers HTTP header value"},
	"core.https_allowed_credentials": {Type: schema.Bool, Default: "false", Validate: schema.IsBool, Help: "Whether to set Access-Control-Allow-Credentials to true"},
	"core.https_trusted_proxy":       {Validate: schema.IsList(schema.IsIP), Help: "Comma-separated list of IP addresses of trusted servers that provide the client's address through the proxy connection header"},
	"core.trust_password":            {Help: "Password to be provided by clients to set up a trust"},
	"core.trust_ca_certificates":     {Type: schema.Bool, Default: "false", Validate: schema.IsBool, Help: "Whether to automatically trust clients signed by the CA"},
	"core.debug_address":             {Scope: schema.Member, Validate: schema.IsListenAddress, Help: "Address to bind the pprof debug server to (HTTP)"},
	"core.proxy_http":                {Help: "HTTP proxy to use, if any (falls back to HTTP_PROXY environment variable)"},
	"core.proxy_https":               {Help: "HTTPS proxy to use, if any (falls back to HTTPS_PROXY environment variable)"},
	"core.proxy_ignore_hosts":        {Help: "Hosts which don't need the proxy for use (similar format to NO_PROXY, e.g. 1.2.3.4,1.2.3.5)"},
	"core.shutdown_timeout":          {Type: schema.Int, Default: "5", Validate: schema.IsInt64, Help: "Number of minutes to wait for running operations to complete before LXD server shut down"},
	"core.remote_token_expiry":       {Validate: schema.Optional(isTokenExpiry), Help: "Time after which a remote add token expires (defaults to no expiry)"},
	"cluster.https_address":          {Scope: schema.Member, Validate: schema.IsListenAddress, Help: "Address to use for clustering traffic"},
	"cluster.offline_threshold":      {Type: schema.Int, Default: "20", Validate: isOfflineThreshold, Help: "Number of seconds after which an unresponsive member is considered offline"},
	"cluster.images_minimal_replica": {Type: schema.Int, Default: "3", Validate: schema.IsIntRange(-1, 1<<31), Help: "Minimal numbers of cluster members with a copy of a particular image (set 1 for no replication, -1 for all members)"},
	"cluster.max_voters":             {Type: schema.Int, Default: "3", Validate: isOddAtLeast3, Help: "Maximum number of cluster members that will be assigned the database voter role"},
	"cluster.max_standby":            {Type: schema.Int, Default: "2", Validate: schema.IsIntRange(0, 5), Help: "Maximum number of cluster members that will be assigned the database stand-by role"},
	"cluster.join_token_expiry":      {Default: "3H", Validate: isTokenExpiry, Help: "Time after which a cluster join token expires"},
	"images.auto_update_cached":      {Type: schema.Bool, Default: "true", Validate: schema.IsBool, Help: "Whether to automatically update any image that LXD caches"},
	"images.auto_update_interval":    {Type: schema.Int, Default: "6", Validate: schema.IsInt64, Help: "Interval in hours at which to look for update to cached images (0 disables it)"},
	"images.compression_algorithm":   {Default: "gzip", Validate: isCompression, Help: "Compression algorithm to use for new images (bzip2, gzip, lzma, xz or none)"},
	"images.default_architecture":    {Validate: schema.Optional(schema.IsOneOf("x86_64", "i686", "aarch64", "armv7l", "ppc64le", "s390x", "riscv64")), Help: "Default architecture which should be used in mixed architecture cluster"},
	"images.remote_cache_expiry":     {Type: schema.Int, Default: "10", Validate: schema.IsInt64, Help: "Number of days after which an unused cached remote image will be flushed"},
	"backups.compression_algorithm":  {Default: "gzip", Validate: isCompression, Help: "Compression algorithm to use for new backups (bzip2, gzip, lzma, xz or none)"},
	"storage.backups_volume":         {Scope: schema.Member, Help: "Volume to use to store the backup tarballs (syntax is POOL/VOLUME)"},
	"storage.images_volume":          {Scope: schema.Member, Help: "Volume to use to store the image tarballs (syntax is POOL/VOLUME)"},
	"instances.nic.host_name":        {Default: "random", Validate: schema.IsOneOf("random", "mac"), Help: "How to generate a host name for a NIC (random or mac)"},
}

func isOddAtLeast3(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return fmt.Errorf("invalid integer")
	}
	if n < 3 || n%2 != 1 {
		return fmt.Errorf("Value must be an odd number equal to or higher than 3")
	}
	return nil
}
