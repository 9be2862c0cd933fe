package catalog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Overrides is what a comune changes in the standard catalogue, read from
// tenants/<slug>/catalogue.yaml: its offices' addresses, hours and contacts,
// its own fees or status for some services, and services it does not offer.
type Overrides struct {
	Offices  []Office                   `yaml:"offices"`
	Services map[string]ServiceOverride `yaml:"services"`
	Exclude  []string                   `yaml:"exclude"`
}

// ServiceOverride replaces the fields it sets; unset fields keep the
// standard card's.
type ServiceOverride struct {
	Office       string `yaml:"office"`
	Status       string `yaml:"status"`
	StatusReason Text   `yaml:"status_reason"`
	Fees         []Fee  `yaml:"fees"`
	Costs        Text   `yaml:"costs"`
	Access       Text   `yaml:"access"`
}

// LoadForComune reads the standard catalogue in standardDir and applies the
// comune's overrides from bundleDir/catalogue.yaml, if present. The result
// is validated whole.
func LoadForComune(standardDir, bundleDir string) (Catalogue, error) {
	c, err := Load(standardDir)
	if err != nil {
		return c, fmt.Errorf("standard catalogue: %w", err)
	}
	path := filepath.Join(bundleDir, "catalogue.yaml")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	var o Overrides
	if err := readYAML(path, &o); err != nil {
		return c, err
	}
	var problems []string
	for _, off := range o.Offices {
		i := slices.IndexFunc(c.Offices, func(x Office) bool { return x.Slug == off.Slug })
		if i < 0 {
			c.Offices = append(c.Offices, off)
			continue
		}
		c.Offices[i] = mergeOffice(c.Offices[i], off)
	}
	for slug, so := range o.Services {
		i := slices.IndexFunc(c.Services, func(x Service) bool { return x.Slug == slug })
		if i < 0 {
			problems = append(problems, fmt.Sprintf("%s: services.%s: no such service in the standard catalogue", path, slug))
			continue
		}
		s := &c.Services[i]
		if so.Office != "" {
			s.Office = so.Office
		}
		if so.Status != "" {
			s.Status, s.StatusReason = so.Status, so.StatusReason
		}
		if so.Fees != nil {
			s.Fees = so.Fees
		}
		if so.Costs != nil {
			s.Costs = so.Costs
		}
		if so.Access != nil {
			s.Access = so.Access
		}
	}
	for _, slug := range o.Exclude {
		n := len(c.Services)
		c.Services = slices.DeleteFunc(c.Services, func(x Service) bool { return x.Slug == slug })
		if len(c.Services) == n {
			problems = append(problems, fmt.Sprintf("%s: exclude: no such service %q", path, slug))
		}
	}
	for _, p := range c.Validate() {
		problems = append(problems, path+": "+p)
	}
	if len(problems) > 0 {
		return c, errors.New(strings.Join(problems, "\n"))
	}
	return c, nil
}

func mergeOffice(base, o Office) Office {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&base.Address, o.Address)
	set(&base.PostalCode, o.PostalCode)
	set(&base.City, o.City)
	set(&base.Phone, o.Phone)
	set(&base.Email, o.Email)
	set(&base.PEC, o.PEC)
	if o.Name != nil {
		base.Name = o.Name
	}
	if o.Description != nil {
		base.Description = o.Description
	}
	if o.Hours != nil {
		base.Hours = o.Hours
	}
	return base
}
