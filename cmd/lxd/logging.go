package main

import (
	"io"
	"os"
	"sync"

	"github.com/sirupsen/logrus"
)

// The logger itself runs at debug level so that `lxc monitor --type=logging`
// receives debug records whatever the daemon's verbosity (as LXD does); what
// reaches the terminal or log file is filtered by outputHook instead.

type discardFormatter struct{}

func (discardFormatter) Format(*logrus.Entry) ([]byte, error) { return nil, nil }

// outputHook writes records at or above level to out.
type outputHook struct {
	mu        sync.Mutex
	level     logrus.Level
	out       io.Writer
	formatter logrus.Formatter
}

func (h *outputHook) Levels() []logrus.Level { return logrus.AllLevels[:h.level+1] }

func (h *outputHook) Fire(e *logrus.Entry) error {
	data, err := h.formatter.Format(e)
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err = h.out.Write(data)
	return err
}

func setupLogging(g *globalFlags) error {
	level := logrus.WarnLevel
	if g.verbose {
		level = logrus.InfoLevel
	}
	if g.debug {
		level = logrus.DebugLevel
	}
	var out io.Writer = os.Stderr
	if g.logfile != "" {
		f, err := os.OpenFile(g.logfile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		out = f
	}
	logrus.SetLevel(logrus.DebugLevel)
	logrus.SetFormatter(discardFormatter{})
	logrus.SetOutput(io.Discard)
	logrus.AddHook(&outputHook{level: level, out: out, formatter: &logrus.TextFormatter{FullTimestamp: true}})
	return nil
}
