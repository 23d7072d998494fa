// Package projects is the project service: project records, their config
// keys and features, used_by and resource usage (/state), and the
// enforcement other services call before they change anything in a
// project: restricted.* checks on instances and profiles (CheckInstance,
// AllowInstanceCreation/Update, AllowProfileUpdate), limits.* checks
// (CheckLimits), snapshot/backup restrictions, and EffectiveProject, which
// maps a project and a feature (profiles, images, storage.volumes,
// networks) to the project whose objects it uses.
//
// It imports cluster/db, daemon/instconfig, daemon/request and shared/*.
package projects
