package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/localdb/config"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// sandboxCarriers is the carriers section that points every carrier at a
// running sandbox: its stand-in recipe and its addresses. `demo` sets it in
// memory and `sandbox --write-config` writes it to a file, so both point
// the product at the sandbox the same way.
func sandboxCarriers(sb *sandbox.Sandbox) map[string]config.Carrier {
	out := map[string]config.Carrier{}
	for _, c := range config.CarrierNames {
		url := sb.URL(c)
		out[c] = config.Carrier{Recipe: c + "-sandbox", APIBaseURL: url, WebBaseURL: url, PortalURL: url, RatePerSec: 50}
	}
	out[sandbox.SeventeenSite] = config.Carrier{APIBaseURL: sb.URL(sandbox.SeventeenSite) + sandbox.SeventeenAPIPath}
	return out
}

// sandboxTranslation is the translation section that points the product at
// the sandbox's translate site, in DeepL's shape; its key is the site's
// account key (Account("translate").APIKey), kept out of the file.
func sandboxTranslation(sb *sandbox.Sandbox) config.Translation {
	return config.Translation{Provider: "deepl", URL: sb.URL(sandbox.TranslateSite)}
}

// sandboxConfigHeader opens every file `sandbox --write-config` writes; a
// file that starts with it may be written over, any other is refused.
const sandboxConfigHeader = "# Written by `sellerops sandbox --write-config`: points the carriers at a running sandbox."

// writeSandboxConfig writes a config file that points the carriers at sb,
// whole or not at all. It refuses to replace a file it did not write.
func writeSandboxConfig(path string, sb *sandbox.Sandbox) error {
	if old, err := os.ReadFile(path); err == nil && !bytes.HasPrefix(old, []byte(sandboxConfigHeader)) {
		return badInput(fmt.Errorf("--write-config %s: the file exists and was not written by `sellerops sandbox`; "+
			"give a new file name, or copy its carriers section by hand", path))
	} else if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("--write-config %s: %w", path, err)
	}
	body, err := yaml.Marshal(struct {
		Carriers    map[string]config.Carrier `yaml:"carriers"`
		Translation config.Translation        `yaml:"translation"`
	}{sandboxCarriers(sb), sandboxTranslation(sb)})
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(sandboxConfigHeader + "\n")
	b.WriteString("# Valid while that sandbox serves on these ports (--addr 127.0.0.1:PORT keeps them the same\n")
	b.WriteString("# from run to run). The demo accounts and their keys are listed at " + sb.URL("control") + "/__sandbox/state.\n")
	b.WriteString("# Translation goes to the sandbox's translate site; give its key (the translate account's api_key)\n")
	b.WriteString("# in the keyring under " + secrets.TranslationKey("deepl") + " or as SELLEROPS_SECRET_TRANSLATION_DEEPL_API_KEY.\n")
	b.Write(body)
	// What is written must be what the product reads back.
	if _, err := config.Parse(path, []byte(b.String())); err != nil {
		return fmt.Errorf("sandbox config does not parse: %w", err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".sandbox-config-*")
	if err != nil {
		return fmt.Errorf("--write-config %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(b.String()); err != nil {
		tmp.Close()
		return fmt.Errorf("--write-config %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("--write-config %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
