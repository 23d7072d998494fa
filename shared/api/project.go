package api

// ProjectPut is the editable part of a project.
type ProjectPut struct {
	Config      map[string]string `json:"config" yaml:"config"`
	Description string            `json:"description" yaml:"description"`
}

// ProjectsPost creates a project.
type ProjectsPost struct {
	ProjectPut `yaml:",inline"`
	Name       string `json:"name" yaml:"name"`
}

// ProjectPost renames a project.
type ProjectPost struct {
	Name string `json:"name" yaml:"name"`
}

// Project is a project as returned by the API.
type Project struct {
	ProjectPut `yaml:",inline"`
	Name       string   `json:"name" yaml:"name"`
	UsedBy     []string `json:"used_by" yaml:"used_by"`
}

// ProjectState is GET /1.0/projects/<name>/state.
type ProjectState struct {
	Resources map[string]ProjectStateResource `json:"resources" yaml:"resources"`
}

// ProjectStateResource is one resource's limit and usage (LXD capitalises
// these keys).
type ProjectStateResource struct {
	Limit int64 `json:"Limit" yaml:"limit"`
	Usage int64 `json:"Usage" yaml:"usage"`
}
