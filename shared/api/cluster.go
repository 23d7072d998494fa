package api

import "time"

// Cluster is GET /1.0/cluster.
type Cluster struct {
	ServerName string `json:"server_name" yaml:"server_name"`
	Enabled    bool   `json:"enabled" yaml:"enabled"`
	// MemberConfig lists the member-specific keys a joining server must
	// provide (storage pool sources, network parent interfaces, ...).
	MemberConfig []ClusterMemberConfigKey `json:"member_config" yaml:"member_config"`
}

// ClusterMemberConfigKey is one member-specific key of a cluster entity.
type ClusterMemberConfigKey struct {
	Entity      string `json:"entity" yaml:"entity"`
	Name        string `json:"name" yaml:"name"`
	Key         string `json:"key" yaml:"key"`
	Value       string `json:"value" yaml:"value"`
	Description string `json:"description" yaml:"description"`
}

// ClusterPut is PUT /1.0/cluster: bootstrap (enabled, server_name), join
// (plus cluster_address, cluster_certificate or cluster_token,
// server_address) or leave (enabled false).
type ClusterPut struct {
	Cluster            `yaml:",inline"`
	ClusterAddress     string `json:"cluster_address" yaml:"cluster_address"`
	ClusterCertificate string `json:"cluster_certificate" yaml:"cluster_certificate"`
	ServerAddress      string `json:"server_address" yaml:"server_address"`
	ClusterPassword    string `json:"cluster_password" yaml:"cluster_password"`
	ClusterToken       string `json:"cluster_token" yaml:"cluster_token"`
}

// ClusterMemberPut is the editable part of a cluster member.
type ClusterMemberPut struct {
	Roles         []string          `json:"roles" yaml:"roles"`
	FailureDomain string            `json:"failure_domain" yaml:"failure_domain"`
	Description   string            `json:"description" yaml:"description"`
	Config        map[string]string `json:"config" yaml:"config"`
	Groups        []string          `json:"groups" yaml:"groups"`
}

// ClusterMember is GET /1.0/cluster/members/<name>. Field order is LXD's.
type ClusterMember struct {
	ClusterMemberPut `yaml:",inline"`
	ServerName       string `json:"server_name" yaml:"server_name"`
	URL              string `json:"url" yaml:"url"`
	Database         bool   `json:"database" yaml:"database"`
	Status           string `json:"status" yaml:"status"`
	Message          string `json:"message" yaml:"message"`
	Architecture     string `json:"architecture" yaml:"architecture"`
}

// ClusterMembersPost asks for a join token (POST /1.0/cluster/members).
type ClusterMembersPost struct {
	ServerName string `json:"server_name" yaml:"server_name"`
}

// ClusterMemberPost renames a member.
type ClusterMemberPost struct {
	ServerName string `json:"server_name" yaml:"server_name"`
}

// ClusterCertificatePut replaces the cluster certificate.
type ClusterCertificatePut struct {
	ClusterCertificate    string `json:"cluster_certificate" yaml:"cluster_certificate"`
	ClusterCertificateKey string `json:"cluster_certificate_key" yaml:"cluster_certificate_key"`
}

// ClusterMemberJoinToken is the decoded form of the token printed by
// `lxc cluster add` (base64 of this JSON, snake_case).
type ClusterMemberJoinToken struct {
	ServerName  string    `json:"server_name" yaml:"server_name"`
	Fingerprint string    `json:"fingerprint" yaml:"fingerprint"`
	Addresses   []string  `json:"addresses" yaml:"addresses"`
	Secret      string    `json:"secret" yaml:"secret"`
	ExpiresAt   time.Time `json:"expires_at" yaml:"expires_at"`
}

// Cluster member statuses.
const (
	ClusterMemberOnline    = "Online"
	ClusterMemberOffline   = "Offline"
	ClusterMemberEvacuated = "Evacuated"
)

// Cluster member roles as LXD reports them.
const (
	ClusterRoleDatabase        = "database"
	ClusterRoleDatabaseStandBy = "database-standby"
	ClusterRoleDatabaseLeader  = "database-leader"
)
