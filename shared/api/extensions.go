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
	{"network", "TestNetworksCRUD"},
	{"network_firewall_filtering", "TestNetworkFirewallFiltering"},
	{"network_routes", "TestNetworkRoutes"},
	{"network_dhcp_expiry", "TestNetworkDHCPExpiryAndGateway"},
	{"network_vxlan_interface", "TestNetworkVXLANInterfaceAndTTL"},
	{"network_dhcp_gateway", "TestNetworkDHCPExpiryAndGateway"},
	{"network_leases", "TestNetworkLeases"},
	{"network_state", "TestNetworkState"},
	{"network_hwaddr", "TestNetworkHwaddr"},
	{"network_nat_order", "TestNATOrderAndAddress"},
	{"network_vxlan_ttl", "TestNetworkVXLANInterfaceAndTTL"},
	{"network_leases_location", "TestNetworkLeases"},
	{"network_nat_address", "TestNATOrderAndAddress"},
	{"network_dns_search", "TestNetworkDNSSearch"},
	{"network_state_bond_bridge", "TestNetworkState"},
	{"network_type_macvlan", "TestNetworkTypeMacvlan"},
	{"network_type_physical", "TestNetworkTypePhysical"},
	{"profile_usedby", "TestProfileUsedBy"},
	{"projects", "TestProjectsCRUD"},
	{"projects_limits", "TestProjectLimits"},
	{"projects_restrictions", "TestProjectRestrictions"},
	{"project_usage", "TestProjectState"},
	{"projects_limits_instances", "TestProjectLimits"},
	{"projects_limits_disk", "TestProjectLimitsDisk"},
	{"usedby_consistency", "TestProfileUsedBy"},
	{"storage", "TestStoragePoolsCLI"},
	{"storage_api_volume_rename", "TestStorageVolumesCLI"},
	{"storage_api_volume_snapshots", "TestStorageVolumeSnapshots"},
	{"storage_api_local_volume_handling", "TestStorageVolumeCopyMove"},
	{"storage_rsync_bwlimit", "TestStorageVolumeCopyMove"},
	{"storage_rsync_compression", "TestStorageVolumeCopyMove"},
	{"storage_btrfs_mount_options", "TestStorageBtrfsPool"},
	{"storage_volatile_initial_source", "TestStoragePoolConfig"},
	{"storage_unmapped", "TestStorageVolumeSecurityKeys"},
	{"storage_shifted", "TestStorageVolumeSecurityKeys"},
	{"custom_block_volumes", "TestStorageVolumesCLI"},
	{"custom_volume_snapshot_expiry", "TestStorageVolumeSnapshots"},
	{"volume_snapshot_scheduling", "TestStorageScheduledSnapshots"},
	{"storage_volume_state", "TestStorageBtrfsPool"},
	{"storage_volume_state_total", "TestStorageBtrfsPool"},
	{"storage_volume_api_filtering", "TestStorageVolumeProjects"},
	{"storage_volumes_all_projects", "TestStorageVolumeProjects"},
	{"server_supported_storage_drivers", "TestStoragePoolsCLI"},
	{"custom_volume_refresh", "TestStorageVolumeCopyMove"},
	{"container_exec_recording", "TestInstanceExecRecord"},
	{"container_exec_signal_handling", "TestInstanceExecSignal"},
	{"container_exec_user_group_cwd", "TestInstanceExec"},
	{"console", "TestInstanceConsole"},
	{"file_delete", "TestInstanceFiles"},
	{"file_append", "TestInstanceFiles"},
	{"file_symlinks", "TestInstanceFiles"},
	{"file_get_symlink", "TestInstanceFiles"},
	{"directory_manipulation", "TestInstanceFiles"},
	{"instance_file_head", "TestInstanceFiles"},
	{"container_edit_metadata", "TestInstanceMetadata"},
	{"devlxd_events", "TestDevlxd"},
	{"devlxd_images", "TestDevlxdImages"},
	{"restrict_devlxd", "TestDevlxd"},
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
