/**
 * The shapes quota accounting exchanges with its neighbours: the stored record (src/store/quotas.ts),
 * the API's wire shape, the backup entry, and the cluster's totals (src/cluster/quota-sync.ts).
 */

/** One user's counters as stored. `day` and `month` say which calendar period the counters are for. */
export interface UsageRecord {
  username: string;
  day: number;
  dailyBytes: number;
  dailyConnections: number;
  month: number;
  monthlyBytes: number;
  monthlyConnections: number;
  totalBytes: number;
  /** [minute index since the epoch, bytes] */
  hourBuckets: Array<[number, number]>;
  updatedAt: number;
}

/** The store learns which users changed; it pulls `record(username)` when it flushes. */
export interface QuotaPersistence { dirty(username: string): void }

/**
 * One user's usage, in the REST API's wire shape (GET /api/quotas). `current_rate_bps` is bytes
 * per second over the last RATE_WINDOW_MS, as the original reported it.
 */
export interface QuotaUsage {
  username: string;
  daily_bytes: number;
  daily_connections: number;
  monthly_bytes: number;
  monthly_connections: number;
  current_rate_bps: number;
  hourly_bytes: number;
  total_bytes: number;
  daily_bytes_limit: number;
  monthly_bytes_limit: number;
  hourly_bytes_limit: number;
  total_bytes_limit: number;
  daily_connections_limit: number;
  monthly_connections_limit: number;
  /** RFC 3339 start of the next UTC day / month, when the daily / monthly counters reset. */
  daily_resets_at: string;
  monthly_resets_at: string;
}

/** The counters carried by `GET /api/backup` and `POST /api/restore` (the original's state.json). */
export interface QuotaBackupEntry {
  daily_bytes?: number;
  daily_connections?: number;
  monthly_bytes?: number;
  monthly_connections?: number;
  total_bytes?: number;
}

export type QuotaScope = 'all' | 'daily' | 'monthly' | 'hourly' | 'total';

/** One user's calendar counters: the UTC day and month they belong to, and what was counted in them. */
export interface CalendarCounters {
  day: number;
  month: number;
  dailyBytes: number;
  dailyConnections: number;
  monthlyBytes: number;
  monthlyConnections: number;
  totalBytes: number;
}

/** The cluster's counters of one user (Redis), for the current day and month. */
export interface ClusterUsage extends CalendarCounters {
  /** [one-minute slice index, bytes] */
  hour: Array<[number, number]>;
}

/** Where the ledger tells the cluster about an admin reset made here. */
export interface QuotaReplica { reset(username: string, scope: QuotaScope): void }

