package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/lxdng/lxd/shared/client"
)

// Device changes (volume and network attach, profile devices, profile
// assignment) are client-side edits, as in LXD: GET the instance or
// profile, change it, PUT its writable fields back with the ETag.

// deviceOwner names an instance or a profile.
type deviceOwner struct {
	kind string // "instances" or "profiles"
	name string
}

func instanceOwner(name string) deviceOwner { return deviceOwner{kind: "instances", name: name} }
func profileOwner(name string) deviceOwner  { return deviceOwner{kind: "profiles", name: name} }

func (o deviceOwner) path() string { return "/1.0/" + o.kind + "/" + url.PathEscape(o.name) }

// writable lists the fields a PUT accepts.
func (o deviceOwner) writable() []string {
	if o.kind == "profiles" {
		return []string{"config", "description", "devices"}
	}
	return []string{"architecture", "config", "devices", "ephemeral", "profiles", "stateful", "description"}
}

// editableObject is an instance or profile as the server sent it.
type editableObject struct {
	raw     map[string]json.RawMessage
	Devices map[string]map[string]string
}

// getOwner fetches an instance or profile and its ETag.
func (a *app) getOwner(c *client.Client, o deviceOwner) (*editableObject, string, error) {
	raw := map[string]json.RawMessage{}
	etag, err := c.Get(a.ctx, o.path(), &raw)
	if err != nil {
		return nil, "", err
	}
	obj := &editableObject{raw: raw, Devices: map[string]map[string]string{}}
	if d, ok := raw["devices"]; ok && string(d) != "null" {
		if err := json.Unmarshal(d, &obj.Devices); err != nil {
			return nil, "", err
		}
	}
	return obj, etag, nil
}

// field decodes one field of the object into v.
func (e *editableObject) field(name string, v any) error {
	d, ok := e.raw[name]
	if !ok || string(d) == "null" {
		return nil
	}
	return json.Unmarshal(d, v)
}

// setField replaces one field of the object.
func (e *editableObject) setField(name string, v any) error {
	d, err := json.Marshal(v)
	if err != nil {
		return err
	}
	e.raw[name] = d
	return nil
}

// putOwner writes the object back (waiting for the instance operation).
func (a *app) putOwner(c *client.Client, o deviceOwner, obj *editableObject, etag string) error {
	if err := obj.setField("devices", obj.Devices); err != nil {
		return err
	}
	body := map[string]json.RawMessage{}
	for _, k := range o.writable() {
		if v, ok := obj.raw[k]; ok {
			body[k] = v
		}
	}
	op, err := c.Do(a.ctx, http.MethodPut, o.path(), body, etag)
	if err != nil {
		return err
	}
	return a.waitOperation(c, op, "")
}

// editOwner applies fn to an instance or profile and saves it.
func (a *app) editOwner(c *client.Client, o deviceOwner, fn func(obj *editableObject) error) error {
	obj, etag, err := a.getOwner(c, o)
	if err != nil {
		return err
	}
	if err := fn(obj); err != nil {
		return err
	}
	return a.putOwner(c, o, obj, etag)
}

// addDevice adds a new device; an existing name is an error.
func (a *app) addDevice(c *client.Client, o deviceOwner, name string, dev map[string]string) error {
	return a.editOwner(c, o, func(obj *editableObject) error {
		if _, ok := obj.Devices[name]; ok {
			return errors.New("Device already exists: " + name)
		}
		obj.Devices[name] = dev
		return nil
	})
}

// matchingDevice finds the device to detach: the named one, or the only
// device for which match is true.
func matchingDevice(devices map[string]map[string]string, name string, match func(map[string]string) bool, none string) (string, error) {
	if name != "" {
		if _, ok := devices[name]; !ok {
			return "", errors.New("The specified device doesn't exist")
		}
		return name, nil
	}
	found := ""
	for n, d := range devices {
		if !match(d) {
			continue
		}
		if found != "" {
			return "", errors.New("More than one device matches, specify the device name")
		}
		found = n
	}
	if found == "" {
		return "", errors.New(none)
	}
	return found, nil
}
