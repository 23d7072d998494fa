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
	{"image_create_aliases", "TestImageCreateAliases"},
	{"image_force_refresh", "TestImageRefresh"},
	{"images_expiry", "TestImageExpiryAndProfiles"},
	{"image_profiles", "TestImageExpiryAndProfiles"},
	{"images_push_relay", "TestImageCopyPush"},
	{"image_source_project", "TestImageProjects"},
	{"images_target_project", "TestImageProjects"},
	{"image_types", "TestImageVM"},
}

// Extensions returns the extension names for GET /1.0.
func Extensions() []string {
	out := make([]string, len(ExtensionList))
	for i, e := range ExtensionList {
		out[i] = e.Name
	}
	return out
}
