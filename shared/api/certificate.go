package api

import "time"

// Certificate types.
const (
	CertificateTypeClient  = "client"
	CertificateTypeServer  = "server"
	CertificateTypeMetrics = "metrics"
)

// CertificatePut is the editable part of a trusted certificate.
type CertificatePut struct {
	Name        string   `json:"name" yaml:"name"`
	Type        string   `json:"type" yaml:"type"`
	Restricted  bool     `json:"restricted" yaml:"restricted"`
	Projects    []string `json:"projects" yaml:"projects"`
	Certificate string   `json:"certificate" yaml:"certificate"`
}

// Certificate is a trust store entry.
type Certificate struct {
	CertificatePut `yaml:",inline"`
	Fingerprint    string `json:"fingerprint" yaml:"fingerprint"`
}

// CertificatesPost adds a certificate (directly, by password or by token).
type CertificatesPost struct {
	CertificatePut `yaml:",inline"`
	Password       string `json:"password" yaml:"password"`
	Token          bool   `json:"token" yaml:"token"`
}

// CertificateAddToken is the decoded form of the token printed by
// `lxc config trust add`.
type CertificateAddToken struct {
	ClientName  string    `json:"client_name"`
	Fingerprint string    `json:"fingerprint"`
	Addresses   []string  `json:"addresses"`
	Secret      string    `json:"secret"`
	ExpiresAt   time.Time `json:"expires_at"`
}
