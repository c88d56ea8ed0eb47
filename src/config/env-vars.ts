/**
 * Every SKS5_* variable the original reads (reference 2.26), as data: name without the prefix,
 * the config path it sets, and how the text is parsed. `secret` values also accept NAME_FILE.
 */

export type EnvKind = 'string' | 'lower' | 'int' | 'bool' | 'list' | 'secret';

export interface EnvVarSpec {
  readonly name: string;
  readonly path: string;
  readonly kind: EnvKind;
}

const v = (name: string, path: string, kind: EnvKind): EnvVarSpec => ({ name, path, kind });

export const ENV_VARS: readonly EnvVarSpec[] = [
  // server
  v('SSH_LISTEN', 'server.ssh_listen', 'string'),
  v('SOCKS5_LISTEN', 'server.socks5_listen', 'string'),
  v('HOST_KEY_PATH', 'server.host_key_path', 'string'),
  v('SERVER_ID', 'server.server_id', 'string'),
  v('BANNER', 'server.banner', 'string'),
  v('MOTD_PATH', 'server.motd_path', 'string'),
  v('ALLOWED_CIPHERS', 'server.allowed_ciphers', 'list'),
  v('ALLOWED_KEX', 'server.allowed_kex', 'list'),
  v('SHUTDOWN_TIMEOUT', 'server.shutdown_timeout', 'int'),
  v('SOCKS5_TLS_CERT', 'server.socks5_tls_cert', 'string'),
  v('SOCKS5_TLS_KEY', 'server.socks5_tls_key', 'string'),
  v('HTTP_PROXY_LISTEN', 'server.http_proxy_listen', 'string'),
  v('HTTP_PROXY_TLS_CERT', 'server.http_proxy_tls_cert', 'string'),
  v('HTTP_PROXY_TLS_KEY', 'server.http_proxy_tls_key', 'string'),
  v('DNS_CACHE_TTL', 'server.dns_cache_ttl', 'int'),
  v('DNS_CACHE_MAX_ENTRIES', 'server.dns_cache_max_entries', 'int'),
  v('CONNECT_RETRY', 'server.connect_retry', 'int'),
  v('CONNECT_RETRY_DELAY_MS', 'server.connect_retry_delay_ms', 'int'),
  v('BOOKMARKS_PATH', 'server.bookmarks_path', 'string'),
  v('SSH_KEEPALIVE_INTERVAL', 'server.ssh_keepalive_interval_secs', 'int'),
  v('SSH_KEEPALIVE_MAX', 'server.ssh_keepalive_max', 'int'),
  v('SSH_AUTH_TIMEOUT', 'server.ssh_auth_timeout', 'int'),
  // shell
  v('SHELL_HOSTNAME', 'shell.hostname', 'string'),
  v('SHELL_PROMPT', 'shell.prompt', 'string'),
  v('SHELL_COLORS', 'shell.colors', 'bool'),
  v('SHELL_AUTOCOMPLETE', 'shell.autocomplete', 'bool'),
  // limits
  v('MAX_CONNECTIONS', 'limits.max_connections', 'int'),
  v('MAX_CONNECTIONS_PER_USER', 'limits.max_connections_per_user', 'int'),
  v('CONNECTION_TIMEOUT', 'limits.connection_timeout', 'int'),
  v('IDLE_TIMEOUT', 'limits.idle_timeout', 'int'),
  v('MAX_AUTH_ATTEMPTS', 'limits.max_auth_attempts', 'int'),
  v('SOCKS5_HANDSHAKE_TIMEOUT', 'limits.socks5_handshake_timeout', 'int'),
  v('HTTP_HEADER_TIMEOUT', 'limits.http_header_timeout', 'int'),
  v('IDLE_WARNING_SECS', 'limits.idle_warning_secs', 'int'),
  v('MAX_BANDWIDTH_MBPS', 'limits.max_bandwidth_mbps', 'int'),
  v('MAX_NEW_CONNECTIONS_PER_SECOND', 'limits.max_new_connections_per_second', 'int'),
  // The _SERVER suffix exists because MAX_NEW_CONNECTIONS_PER_MINUTE is the single user's field.
  v('MAX_NEW_CONNECTIONS_PER_MINUTE_SERVER', 'limits.max_new_connections_per_minute', 'int'),
  v('UDP_RELAY_TIMEOUT', 'limits.udp_relay_timeout', 'int'),
  v('MAX_UDP_SESSIONS_PER_USER', 'limits.max_udp_sessions_per_user', 'int'),
  v('MAX_STARTUPS', 'limits.max_startups', 'string'),
  v('PER_SOURCE_MAX_STARTUPS', 'limits.per_source_max_startups', 'int'),
  // security
  v('ALLOWED_SOURCE_IPS', 'security.allowed_source_ips', 'list'),
  v('BAN_ENABLED', 'security.ban_enabled', 'bool'),
  v('BAN_THRESHOLD', 'security.ban_threshold', 'int'),
  v('BAN_WINDOW', 'security.ban_window', 'int'),
  v('BAN_DURATION', 'security.ban_duration', 'int'),
  v('BAN_WHITELIST', 'security.ban_whitelist', 'list'),
  v('IP_GUARD_ENABLED', 'security.ip_guard_enabled', 'bool'),
  v('IP_GUARD_EXEMPTIONS', 'security.ip_guard_exemptions', 'list'),
  v('TOTP_REQUIRED_FOR', 'security.totp_required_for', 'list'),
  v('MAX_NEW_CONNECTIONS_PER_IP_PER_MINUTE', 'security.max_new_connections_per_ip_per_minute', 'int'),
  v('IP_REPUTATION_ENABLED', 'security.ip_reputation_enabled', 'bool'),
  v('IP_REPUTATION_BAN_THRESHOLD', 'security.ip_reputation_ban_threshold', 'int'),
  v('TRUSTED_USER_CA_KEYS', 'security.trusted_user_ca_keys', 'list'),
  v('ARGON2_MEMORY_COST', 'security.argon2_memory_cost', 'int'),
  v('ARGON2_TIME_COST', 'security.argon2_time_cost', 'int'),
  v('ARGON2_PARALLELISM', 'security.argon2_parallelism', 'int'),
  v('RATE_LIMIT_CLEANUP_INTERVAL', 'security.rate_limit_cleanup_interval', 'int'),
  v('RATE_LIMIT_MAX_IPS', 'security.rate_limit_max_ips', 'int'),
  v('RATE_LIMIT_MAX_USERS', 'security.rate_limit_max_users', 'int'),
  // logging
  v('LOG_LEVEL', 'logging.level', 'lower'),
  v('LOG_FORMAT', 'logging.format', 'lower'),
  v('AUDIT_LOG_PATH', 'logging.audit_log_path', 'string'),
  v('AUDIT_MAX_SIZE_MB', 'logging.audit_max_size_mb', 'int'),
  v('AUDIT_MAX_FILES', 'logging.audit_max_files', 'int'),
  v('CONNECTION_FLOW_LOGS', 'logging.connection_flow_logs', 'bool'),
  v('LOG_DENIED_CONNECTIONS', 'logging.log_denied_connections', 'bool'),
  // metrics and API
  v('METRICS_ENABLED', 'metrics.enabled', 'bool'),
  v('METRICS_LISTEN', 'metrics.listen', 'string'),
  v('MAX_METRIC_LABELS', 'metrics.max_metric_labels', 'int'),
  v('API_ENABLED', 'api.enabled', 'bool'),
  v('API_LISTEN', 'api.listen', 'string'),
  v('API_TOKEN', 'api.token', 'secret'),
  // geoip
  v('GEOIP_ENABLED', 'geoip.enabled', 'bool'),
  v('GEOIP_DATABASE_PATH', 'geoip.database_path', 'string'),
  v('GEOIP_ALLOWED_COUNTRIES', 'geoip.allowed_countries', 'list'),
  v('GEOIP_DENIED_COUNTRIES', 'geoip.denied_countries', 'list'),
  v('GEOIP_FAIL_CLOSED', 'geoip.fail_closed', 'bool'),
  // global ACL and upstream
  v('GLOBAL_ACL_DEFAULT_POLICY', 'acl.default_policy', 'lower'),
  v('GLOBAL_ACL_ALLOW', 'acl.allow', 'list'),
  v('GLOBAL_ACL_DENY', 'acl.deny', 'list'),
  v('UPSTREAM_PROXY_URL', 'upstream_proxy.url', 'string'),
  v('UPSTREAM_PROXY_REMOTE_DNS', 'upstream_proxy.remote_dns', 'bool'),
  // persistence
  v('DATA_DIR', 'persistence.data_dir', 'string'),
  v('STATE_PERSIST_ENABLED', 'persistence.state.enabled', 'bool'),
  v('STATE_FLUSH_INTERVAL', 'persistence.state.flush_interval_secs', 'int'),
  v('STATE_IP_REP_MIN_SCORE', 'persistence.state.ip_reputation_min_score', 'int'),
  v('STATE_IP_REP_FLUSH_INTERVAL', 'persistence.state.ip_reputation_flush_interval_secs', 'int'),
  v('STATE_INACTIVE_USER_DAYS', 'persistence.state.inactive_user_retention_days', 'int'),
  v('USERDATA_ENABLED', 'persistence.userdata.enabled', 'bool'),
  v('SHELL_HISTORY_MAX', 'persistence.userdata.shell_history_max', 'int'),
  v('SHELL_HISTORY_FLUSH_SECS', 'persistence.userdata.shell_history_flush_secs', 'int'),
  v('BOOKMARKS_MAX', 'persistence.userdata.bookmarks_max', 'int'),
  v('USERDATA_INACTIVE_DAYS', 'persistence.userdata.inactive_retention_days', 'int'),
  v('CONFIG_HISTORY_ENABLED', 'persistence.config_history.enabled', 'bool'),
  v('CONFIG_HISTORY_MAX', 'persistence.config_history.max_entries', 'int'),
  // cluster (ours, not the original's): the URL may carry the Redis password, hence the _FILE form
  v('CLUSTER_REDIS_URL', 'cluster.redis_url', 'secret'),
  v('CLUSTER_NODE_NAME', 'cluster.node_name', 'string'),
  v('CLUSTER_KEY_PREFIX', 'cluster.key_prefix', 'string'),
];

/** Per-user fields: SKS5_<FIELD> in single-user mode, SKS5_USER_<N>_<FIELD> in multi-user mode. */
export const USER_ENV_FIELDS: readonly EnvVarSpec[] = [
  v('USERNAME', 'username', 'string'),
  v('PASSWORD_HASH', 'password_hash', 'secret'),
  v('AUTHORIZED_KEYS', 'authorized_keys', 'list'),
  v('TOTP_SECRET', 'totp_secret', 'secret'),
  v('TOTP_ENABLED', 'totp_enabled', 'bool'),
  v('ALLOW_SHELL', 'allow_shell', 'bool'),
  v('MAX_BANDWIDTH_KBPS', 'max_bandwidth_kbps', 'int'),
  v('MAX_AGGREGATE_BANDWIDTH_KBPS', 'max_aggregate_bandwidth_kbps', 'int'),
  v('MAX_NEW_CONNECTIONS_PER_MINUTE', 'max_new_connections_per_minute', 'int'),
  v('SOURCE_IPS', 'source_ips', 'list'),
  v('EXPIRES_AT', 'expires_at', 'string'),
  v('GROUP', 'group', 'string'),
  v('ACL_DEFAULT_POLICY', 'acl.default_policy', 'lower'),
  v('ACL_ALLOW', 'acl.allow', 'list'),
  v('ACL_DENY', 'acl.deny', 'list'),
  v('ACL_INHERIT', 'acl.inherit', 'bool'),
  v('RATE_LIMIT_PER_SECOND', 'rate_limits.connections_per_second', 'int'),
  v('RATE_LIMIT_PER_MINUTE', 'rate_limits.connections_per_minute', 'int'),
  v('RATE_LIMIT_PER_HOUR', 'rate_limits.connections_per_hour', 'int'),
  v('UPSTREAM_PROXY', 'upstream_proxy', 'string'),
  v('MAX_CONNECTIONS', 'max_connections', 'int'),
];
