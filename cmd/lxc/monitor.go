package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
	"gopkg.in/yaml.v2"

	"github.com/lxdng/lxd/shared/api"
)

type monitorFlags struct {
	types       []string
	pretty      bool
	format      string
	logLevel    string
	allProjects bool
}

func monitorCommand(a *app) *cobra.Command {
	f := &monitorFlags{}
	cmd := &cobra.Command{
		Use:   "monitor [<remote>:]",
		Short: "Monitor a local or remote LXD server",
		Long: `Monitor a local or remote LXD server

By default the monitor will listen to all message types.`,
		Example: `  lxc monitor --type=logging
      Only show log messages.

  lxc monitor --pretty --type=logging --loglevel=info
      Show a pretty log of messages with info level or higher.

  lxc monitor --type=lifecycle
      Only show lifecycle events.`,
		RunE: withArgCount(0, 1, func(args []string) error {
			return a.monitor(f, args)
		}),
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.types, "type", nil, "Event type to listen for``")
	fl.BoolVar(&f.pretty, "pretty", false, "Pretty rendering (short for --format=pretty)")
	fl.StringVarP(&f.format, "format", "f", "yaml", "Format (json|pretty|yaml)``")
	fl.StringVar(&f.logLevel, "loglevel", "", "Minimum level for log messages (only available when using pretty format)``")
	fl.BoolVar(&f.allProjects, "all-projects", false, "Show events from all projects")
	return lessCommon(cmd)
}

var logLevels = map[string]int{"trace": 0, "debug": 1, "info": 2, "warn": 3, "warning": 3, "error": 4, "crit": 5, "fatal": 5, "panic": 6}

func (a *app) monitor(f *monitorFlags, args []string) error {
	if f.pretty {
		f.format = "pretty"
	}
	if f.format != "yaml" && f.format != "json" && f.format != "pretty" {
		return fmt.Errorf("Invalid format: %s", f.format)
	}
	minLevel := -1
	if f.logLevel != "" {
		lvl, ok := logLevels[strings.ToLower(f.logLevel)]
		if !ok {
			return fmt.Errorf("Unknown log level %q", f.logLevel)
		}
		minLevel = lvl
	}
	c, _, err := a.connectServerArg(args)
	if err != nil {
		return err
	}
	// Like LXD's client: subscribe to everything, filter here.
	events, err := c.GetEvents(a.ctx, f.allProjects)
	if err != nil {
		return err
	}
	wanted := map[string]bool{}
	for _, t := range f.types {
		for _, one := range strings.Split(t, ",") {
			wanted[one] = true
		}
	}
	log := a.prettyLogger()
	for e := range events {
		if len(wanted) > 0 && !wanted[e.Type] {
			continue
		}
		if minLevel >= 0 && e.Type == api.EventTypeLogging && eventLevel(e) < minLevel {
			continue
		}
		if err := a.printEvent(f.format, e, log); err != nil {
			return err
		}
	}
	if a.ctx.Err() != nil {
		return nil
	}
	return errors.New("Connection to the event stream lost")
}

func eventLevel(e api.Event) int {
	var md api.EventLogging
	_ = json.Unmarshal(e.Metadata, &md)
	if lvl, ok := logLevels[md.Level]; ok {
		return lvl
	}
	return 0
}

// printEvent renders one event. JSON and YAML re-encode the event as a
// generic map (sorted keys) followed by a blank line, as LXD's client does.
func (a *app) printEvent(format string, e api.Event, log *logrus.Logger) error {
	if format == "pretty" {
		level, msg, fields := prettyEvent(e)
		if log != nil {
			log.WithFields(fields).Log(level, msg)
			return nil
		}
		fmt.Fprintln(a.stdout, strings.ToUpper(level.String())+": "+msg+logfmt(fields))
		return nil
	}
	raw, err := json.Marshal(e)
	if err != nil {
		return err
	}
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		return err
	}
	var out []byte
	if format == "json" {
		out, err = json.Marshal(generic)
	} else {
		out, err = yaml.Marshal(generic)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s\n\n", out)
	return nil
}

// prettyLogger is how LXD's client logs events when stdout is not a
// terminal (logrus text: time=... level=... msg=... k=v); on a terminal
// lines are "LEVEL: msg k=v" instead (nil logger).
func (a *app) prettyLogger() *logrus.Logger {
	if isTerminal(a.stdout) {
		return nil
	}
	log := logrus.New()
	log.SetOutput(a.stdout)
	log.SetLevel(logrus.TraceLevel)
	log.SetFormatter(&logrus.TextFormatter{DisableColors: true, FullTimestamp: true, TimestampFormat: time.RFC3339})
	return log
}

// prettyEvent turns an event into a log line: level, message and fields.
func prettyEvent(e api.Event) (logrus.Level, string, logrus.Fields) {
	fields := logrus.Fields{}
	switch e.Type {
	case api.EventTypeLogging:
		var md api.EventLogging
		_ = json.Unmarshal(e.Metadata, &md)
		for k, v := range md.Context {
			fields[k] = v
		}
		level, err := logrus.ParseLevel(md.Level)
		if err != nil {
			level = logrus.InfoLevel
		}
		return level, md.Message, fields
	case api.EventTypeLifecycle:
		var md api.EventLifecycle
		_ = json.Unmarshal(e.Metadata, &md)
		for k, v := range md.Context {
			fields[k] = fmt.Sprint(v)
		}
		msg := fmt.Sprintf("Action: %s, Source: %s", md.Action, md.Source)
		if r := md.Requestor; r != nil {
			msg += fmt.Sprintf(", Requestor: %s/%s (%s)", r.Protocol, r.Username, r.Address)
		}
		return logrus.InfoLevel, msg, fields
	case api.EventTypeOperation:
		var op api.Operation
		_ = json.Unmarshal(e.Metadata, &op)
		fields = logrus.Fields{
			"CreatedAt": op.CreatedAt.String(), "UpdatedAt": op.UpdatedAt.String(), "Err": op.Err,
			"Location": op.Location, "MayCancel": op.MayCancel, "Metadata": fmt.Sprint(op.Metadata),
			"Resources": fmt.Sprint(op.Resources), "Status": op.Status, "StatusCode": op.Status,
		}
		return logrus.InfoLevel, fmt.Sprintf("ID: %s, Class: %s, Description: %s", op.ID, op.Class, op.Description), fields
	}
	return logrus.InfoLevel, fmt.Sprintf("%s event: %s", e.Type, string(e.Metadata)), fields
}

// logfmt renders " k=v" pairs sorted by key, quoting values that need it.
func logfmt(fields logrus.Fields) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	for _, k := range keys {
		v := fmt.Sprint(fields[k])
		if needsQuoting(v) {
			v = fmt.Sprintf("%q", v)
		}
		sb.WriteString(" " + k + "=" + v)
	}
	return sb.String()
}

func needsQuoting(s string) bool {
	for _, r := range s {
		ok := (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || strings.ContainsRune("-._/@^+", r)
		if !ok {
			return true
		}
	}
	return false
}
