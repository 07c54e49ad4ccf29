"""The site config: known keys (:mod:`.keys`), their layers (flag > environment >
``feedpub.toml`` > default, :mod:`.layers`), assembled from each part's own settings into a
frozen :class:`SiteConfig` (:mod:`.assemble`), and shown to people (:mod:`.show`).

The config is the composition root: it imports each part's settings type and checks (records,
feeds, syndication, source, target); no part imports it.
"""

from __future__ import annotations

from feedpub.config.assemble import ALL_FORMATS, SiteConfig, parse_config, with_source_url
from feedpub.config.keys import (
    ENV_PREFIX,
    KEY_BY_NAME,
    KEYS,
    MAX_LIMIT,
    Key,
    check_known_keys,
    unknown_key_reason,
)
from feedpub.config.layers import (
    ResolvedConfig,
    Setting,
    Source,
    load_config,
    parse_assignments,
    parse_env_value,
    resolve_config,
)
from feedpub.config.show import (
    MASK,
    config_template,
    describe_default,
    mask,
    settings_table,
    toml_value,
)
from feedpub.output.targets.settings import DEFAULT_CACHE_CONTROL
from feedpub.records.urls import redacted_url

__all__ = [
    "ALL_FORMATS",
    "DEFAULT_CACHE_CONTROL",
    "ENV_PREFIX",
    "KEYS",
    "KEY_BY_NAME",
    "MASK",
    "MAX_LIMIT",
    "Key",
    "ResolvedConfig",
    "Setting",
    "SiteConfig",
    "Source",
    "check_known_keys",
    "config_template",
    "describe_default",
    "load_config",
    "mask",
    "parse_assignments",
    "parse_config",
    "parse_env_value",
    "redacted_url",
    "resolve_config",
    "settings_table",
    "toml_value",
    "unknown_key_reason",
    "with_source_url",
]
