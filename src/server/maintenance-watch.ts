/**
 * Scheduled maintenance (`[[maintenance_windows]]`): admission already refuses new connections
 * inside a window; this watcher acts on the transition into one, warning live users and, with
 * `disconnect_existing`, closing their connections (the original ignored both).
 */
import type { Clock } from '../clock.js';
import type { EventBus } from '../observe/events.js';
import type { SessionRegistry } from '../pipeline/sessions.js';
import type { CompiledMaintenance } from '../policy/maintenance-schedule.js';

export interface MaintenanceWatch { check(): void; stop(): void }

export function watchMaintenanceWindows(d: { maintenance: () => CompiledMaintenance; clock: Clock; sessions: SessionRegistry; events: EventBus; intervalMs?: number }): MaintenanceWatch {
  let inside: string | undefined;
  const check = (): void => {
    const w = d.maintenance().active(d.clock.now());
    const key = w ? `${w.schedule}|${w.endsAtMs}` : undefined;
    if (key === inside) return;
    inside = key;
    if (!w) {
      d.events.emit('maintenance.toggled', { enabled: false, source: 'schedule' });
      return;
    }
    d.events.emit('maintenance.toggled', { enabled: true, source: 'schedule', message: w.message });
    d.sessions.broadcast(w.message);
    if (w.disconnect_existing) d.sessions.closeAll(`maintenance: ${w.message}`);
  };
  const timer = setInterval(check, d.intervalMs ?? 5000);
  timer.unref();
  check();
  return { check, stop: () => clearInterval(timer) };
}
