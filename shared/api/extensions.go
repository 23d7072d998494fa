package api

// Extension is one API extension this server implements, with the test
// that proves it works. The list is append-only.
type Extension struct {
	Name string
	Test string // name of the Go test function that exercises it
}

// ExtensionList is every implemented extension, in the order added.
var ExtensionList = []Extension{
	{"etag", "TestServerConfigETag"},
	{"patch", "TestServerConfigETag"},
	{"https_allowed_credentials", "TestServerCORS"},
	{"certificate_update", "TestCertificatesCRUD"},
	{"operation_description", "TestOperationsAPI"},
	{"event_lifecycle", "TestEventsStream"},
	{"event_location", "TestEventsStream"},
	{"event_project", "TestEventsStream"},
	{"event_lifecycle_requestor_address", "TestEventsStream"},
	{"pprof_http", "TestDebugAddress"},
	{"api_filtering", "TestFilter"},
	{"api_os", "TestServerEnvironment"},
	{"kernel_features", "TestServerEnvironment"},
	{"certificate_token", "TestTrustTokenRealClient"},
	{"certificate_project", "TestRestrictedCertificate"},
	{"auth_pki", "TestPKIMode"},
	{"trust_ca_certificates", "TestPKIMode"},
	{"server_trusted_proxy", "TestServerTrustedProxy"},
	{"remote_token_expiry", "TestTrustTokenExpiry"},
	{"clustering", "TestClusterFormation"},
	{"clustering_join", "TestClusterJoinPreseed"},
	{"clustering_server_address", "TestClusterJoinPreseed"},
	{"clustering_roles", "TestClusterFormation"},
	{"clustering_architecture", "TestClusterFormation"},
	{"database_leader", "TestClusterFormation"},
	{"clustering_join_token", "TestClusterFormation"},
	{"cluster_join_token_expiry", "TestClusterJoinRefusals"},
	{"clustering_edit_roles", "TestClusterMemberEdit"},
	{"clustering_failure_domains", "TestClusterMemberEdit"},
	{"clustering_description", "TestClusterMemberEdit"},
	{"clustering_config", "TestClusterMemberEdit"},
	{"clustering_update_cert", "TestClusterUpdateCertificate"},
}

// Extensions returns the extension names for GET /1.0.
func Extensions() []string {
	out := make([]string, len(ExtensionList))
	for i, e := range ExtensionList {
		out[i] = e.Name
	}
	return out
}
