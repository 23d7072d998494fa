package api

// ProfilePut is the editable part of a profile.
type ProfilePut struct {
	Config      map[string]string            `json:"config" yaml:"config"`
	Description string                       `json:"description" yaml:"description"`
	Devices     map[string]map[string]string `json:"devices" yaml:"devices"`
}

// ProfilesPost creates a profile (POST /1.0/profiles).
type ProfilesPost struct {
	ProfilePut `yaml:",inline"`
	Name       string `json:"name" yaml:"name"`
}

// ProfilePost renames a profile (POST /1.0/profiles/<name>).
type ProfilePost struct {
	Name string `json:"name" yaml:"name"`
}

// Profile is a profile as returned by the API. UsedBy lists the instances
// using it, with a ?project= suffix outside the default project.
type Profile struct {
	ProfilePut `yaml:",inline"`
	Name       string   `json:"name" yaml:"name"`
	UsedBy     []string `json:"used_by" yaml:"used_by"`
}
