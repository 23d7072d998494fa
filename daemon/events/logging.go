package events

import (
	"fmt"

	"github.com/sirupsen/logrus"

	"github.com/lxdng/lxd/shared/api"
)

// LogHook republishes daemon log records as logging events.
type LogHook struct{ Hub *Hub }

// Levels implements logrus.Hook.
func (h LogHook) Levels() []logrus.Level { return logrus.AllLevels }

// Fire implements logrus.Hook.
func (h LogHook) Fire(entry *logrus.Entry) error {
	if h.Hub.Subscribers() == 0 {
		return nil
	}
	ctx := make(map[string]string, len(entry.Data))
	for k, v := range entry.Data {
		ctx[k] = fmt.Sprint(v)
	}
	level := entry.Level.String()
	if level == "warning" {
		level = "warn"
	}
	h.Hub.PublishLogging(api.EventLogging{Message: entry.Message, Level: level, Context: ctx})
	return nil
}
