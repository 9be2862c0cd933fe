package forms

import (
	"bytes"
	"fmt"

	"gopkg.in/yaml.v3"
)

// Parse reads a form definition from YAML, refusing unknown keys (a typo in
// a bundle must not silently drop a rule). It does not Check the form.
func Parse(yamlBytes []byte) (Form, error) {
	var f Form
	dec := yaml.NewDecoder(bytes.NewReader(yamlBytes))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return Form{}, fmt.Errorf("parse form: %w", err)
	}
	return f, nil
}
