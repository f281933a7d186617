// Every diagnostic code the language can produce, with what it means. Codes are stable: tools
// and tests match on them, never on message text. The README lists them from here.

export const DIAGNOSTIC_CODES = {
  // Paths and files
  path_not_found: 'a path given to the loader does not exist',
  no_files: 'a folder holds no *.yml or *.yaml file',
  read_error: 'a file could not be read',
  file_too_large: 'a file is larger than 1 MiB',
  invalid_encoding: 'a file is not UTF-8 text',
  empty_file: 'a file holds nothing but comments or whitespace',
  // YAML
  yaml_syntax: 'the YAML does not parse',
  yaml_tab_indent: 'a tab is used for indentation',
  duplicate_key: 'a mapping has the same key twice',
  multiple_documents: 'a file holds more than one YAML document (`---`)',
  alias_limit: 'too many YAML aliases (alias bomb protection)',
  yaml_complex_key: 'a YAML complex key (`? `, or a list or mapping used as a key)',
  yaml_too_deep: 'lists or mappings nested more than 64 levels deep',
  yaml_too_large: 'a file has more than 50,000 lines or 10,000 YAML nodes',
  not_a_mapping: 'a file (or a list entry given to sync) is not a mapping',
  // Shape (JSON Schema)
  unknown_key: 'a key the language does not have at this place',
  missing_key: 'a required key is absent',
  wrong_type: 'a value has the wrong type',
  invalid_value: 'a value is not one of the allowed choices',
  invalid_format: 'a text value does not have the required form',
  invalid_id: 'an id is not 1 to 63 lower-case letters, digits and `-`',
  invalid_header_name: 'a header name has characters HTTP does not allow',
  invalid_duration: 'a duration is not written like `30s`, `1m`, `1h30m`',
  out_of_range: 'a number is below its minimum or above its maximum',
  empty_value: 'a text value is empty',
  too_long: 'a text value is longer than allowed',
  empty_list: 'a list that must have entries is empty',
  too_many_items: 'a list or mapping has more entries than allowed',
  duplicate_item: 'a list that must be unique has the same entry twice',
  // Rules beyond the schema
  duration_out_of_range: 'a duration is outside the range of its field',
  timeout_not_below_interval: '`timeout` is not shorter than `interval`',
  invalid_url: 'the URL does not parse',
  url_scheme: 'the URL does not start with http:// or https://',
  url_host: 'the URL has no host',
  url_ipv6_brackets: 'an IPv6 address in the URL is not in brackets',
  url_credentials: 'the URL holds a literal password (warning)',
  invalid_secret_ref: 'a `$' + '{` does not start a well-formed secret reference (`$' + '{NAME}`)',
  forbidden_header: 'a header Vigil sets itself or refuses',
  duplicate_header: 'the same header twice, differing only in case',
  body_not_allowed: 'a body with a method other than POST, PUT or PATCH',
  body_invalid_json: 'a JSON Content-Type with a body that is not JSON',
  empty_keyword: 'an empty or whitespace-only keyword, ignored (warning)',
  invalid_text: 'a text holds a lone UTF-16 surrogate (an unpaired `\\uD800`-`\\uDFFF` escape)',
  assertion_operator: 'an operator that does not apply to the assertion source',
  assertion_value: 'an assertion value of the wrong kind, missing, or given to `exists`',
  assertion_field: '`name` or `path` on an assertion source that does not use it',
  invalid_regex: 'a `matches` value that is not a valid regular expression',
  unsupported_regex:
    'a `matches` value using what linear-time (RE2) matching lacks: backreferences, lookaround',
  invalid_jsonpath:
    'a JSONPath that does not parse, or holds a filter or script expression (`?(...)`, `(...)`)',
  invalid_maintenance: 'a maintenance window that is neither start/end nor cron/duration',
  maintenance_order: 'a maintenance window whose end is not after its start',
  invalid_cron: 'a cron expression that does not parse',
  invalid_timezone: 'an unknown IANA time zone',
  flapping_thresholds: 'flapping `low` is not lower than `high`',
  // Across monitors
  duplicate_id: 'two monitors have the same id',
  renamed_from_collision: '`renamed_from` names the id of a live monitor',
  renamed_from_duplicate: 'two monitors are renamed from the same id',
  renamed_from_self: "`renamed_from` is the monitor's own id",
  // Secrets (plan and apply)
  secret_missing: 'a secret reference whose environment variable is unset or empty',
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;
