// SPDX-License-Identifier: Apache-2.0
/**
 * Keeps one `vcrypto device` process per slot of a pool running on
 * <state-dir>/<pool>/<slot>/vhost.sock. A slot's folder is created (owner uid/gid, mode 0770)
 * before the slot is reported; the device process gives its socket the same owner and mode 0660
 * before it listens (--socket-owner, --socket-mode). A process that exits is restarted after a
 * capped exponential backoff, its slot unhealthy meanwhile. A slot in use (a VM connected, or
 * allocated moments ago and not yet connected) is never stopped on purpose: pool changes (fewer
 * slots, other backend or limits, another socket owner) wait until its VM leaves. On start it adopts what an earlier agent left (a live device with a
 * VM attached) or cleans it (other processes stopped, stale sockets and pid files removed); on
 * stop every process is stopped and every socket removed. Knows nothing of the kubelet or gRPC.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../pkg/log/logger.js';
import { AdoptedDevice, ChildDevice, type DeviceEvents, type DeviceHandle } from './device-process.js';
import { getErrorMessage, SlotDirError, SpawnError } from './errors.js';
import type { PoolConfig, SocketOwner } from './pool-config.js';
import { connectedFrontends, isSameProcess, processStartTime } from './proc.js';

export const BACKOFF_INITIAL_MS = 500;
export const BACKOFF_MAX_MS = 30_000;
/** A process that ran this long before exiting restarts after the initial backoff again. */
export const BACKOFF_RESET_MS = 60_000;
export const STOP_TIMEOUT_MS = 5_000;
/** How often pending pool changes and adopted processes are looked at. */
export const TICK_MS = 1_000;
/** An allocated slot whose VM has not connected yet counts as in use this long. */
export const ALLOCATION_HOLD_MS = 120_000;
export const SOCKET_NAME = 'vhost.sock';
const DIR_MODE = 0o770;
const SOCKET_MODE = 0o660;

export interface SupervisorOptions {
  readonly stateDir: string;
  /** How to run the CLI, e.g. [process.execPath, '/app/bin/vcrypto.js']; `device ...` is appended. */
  readonly deviceCommand: readonly string[];
  /** Owner of slot folders and sockets unless the pool spec names one. */
  readonly socketOwner: SocketOwner;
  readonly log: Logger;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  readonly backoffResetMs?: number;
  readonly stopTimeoutMs?: number;
  readonly tickMs?: number;
  readonly allocationHoldMs?: number;
  readonly procRoot?: string;
}

/** What the scanner and the metrics see of a slot. */
export interface SlotView {
  readonly index: number;
  readonly id: string;
  readonly dir: string;
  readonly socketPath: string;
  /** Where the slot's device writes its stats snapshot (`vcrypto device --stats-file`). */
  readonly statsPath: string;
  readonly pid: number | undefined;
  readonly healthy: boolean;
  readonly connected: boolean;
  readonly inUse: boolean;
}

type Phase = 'starting' | 'serving' | 'backoff' | 'stopping' | 'stopped';
type Intent = 'restart' | 'retire' | 'shutdown';

interface Slot {
  readonly index: number;
  readonly id: string;
  readonly dir: string;
  readonly socketPath: string;
  phase: Phase;
  handle: DeviceHandle | undefined;
  intent: Intent | undefined;
  connected: boolean;
  allocatedAt: number | undefined;
  retiring: boolean;
  /** Its folder exists with owner and mode: only then is the slot advertised. */
  prepared: boolean;
  /** The device arguments the running process was started with. */
  argsKey: string;
  backoffMs: number;
  startedAt: number;
  timer: NodeJS.Timeout | undefined;
  waiters: Array<() => void>;
}

interface PidFile {
  readonly pid: number;
  readonly startTime: string;
  readonly argsKey: string;
}

export class Supervisor {
  readonly #o: SupervisorOptions;
  readonly #log: Logger;
  readonly #slots = new Map<number, Slot>();
  readonly #listeners = new Set<() => void>();
  #config: PoolConfig | undefined;
  #tick: NodeJS.Timeout | undefined;
  #restarts = 0;
  #stopping = false;

  constructor(options: SupervisorOptions) {
    this.#o = options;
    this.#log = options.log.child('supervisor');
  }

  get poolDir(): string {
    if (this.#config === undefined) throw new Error('supervisor not started');
    return join(this.#o.stateDir, this.#config.pool);
  }

  /** Adopts or cleans what an earlier agent left, then starts the pool's slots. */
  async start(config: PoolConfig): Promise<void> {
    this.#config = config;
    mkdirSync(this.poolDir, { recursive: true, mode: 0o755 });
    await this.#adoptOrClean(config);
    this.apply(config);
    this.#tick = setInterval(() => this.#reconcile(), this.#o.tickMs ?? TICK_MS);
  }

  /** Applies a new pool config; slots in use keep running until their VM leaves. */
  apply(config: PoolConfig): void {
    if (this.#config !== undefined && config.pool !== this.#config.pool) {
      this.#log.error('Ignored a pool config for another pool', { pool: this.#config.pool, configPool: config.pool });
      return;
    }
    this.#config = config;
    for (let i = 0; i < config.slots; i++) {
      const slot = this.#slots.get(i);
      if (slot === undefined) this.#launch(this.#newSlot(i));
      else slot.retiring = false;
    }
    for (const slot of this.#slots.values()) if (slot.index >= config.slots) slot.retiring = true;
    this.#reconcile();
    this.#emit();
  }

  /** Advertised slots (prepared, not being retired), by index. */
  slots(): SlotView[] {
    const now = Date.now();
    return [...this.#slots.values()]
      .filter((s) => !s.retiring && s.prepared)
      .sort((a, b) => a.index - b.index)
      .map((s) => this.#view(s, now));
  }

  /** Looks a prepared slot up by device id, retiring ones included (`retiring` says which). */
  find(id: string): (SlotView & { retiring: boolean }) | undefined {
    const s = [...this.#slots.values()].find((x) => x.id === id);
    return s === undefined || !s.prepared ? undefined : { ...this.#view(s, Date.now()), retiring: s.retiring };
  }

  #view(s: Slot, now: number): SlotView {
    return {
      index: s.index,
      id: s.id,
      dir: s.dir,
      socketPath: s.socketPath,
      statsPath: this.#statsPath(s.index),
      pid: s.handle?.pid,
      healthy: s.phase === 'serving',
      connected: s.connected,
      inUse: this.#inUse(s, now),
    };
  }

  /** The kubelet handed these slots to a container: hold them until their VM comes and goes. */
  markAllocated(ids: readonly string[]): void {
    const now = Date.now();
    for (const s of this.#slots.values()) if (ids.includes(s.id)) s.allocatedAt = now;
    this.#emit();
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  stats(): { slotsByState: Record<'healthy' | 'unhealthy' | 'allocated', number>; restarts: number } {
    const views = this.slots();
    return {
      slotsByState: {
        healthy: views.filter((v) => v.healthy).length,
        unhealthy: views.filter((v) => !v.healthy).length,
        allocated: views.filter((v) => v.inUse).length,
      },
      restarts: this.#restarts,
    };
  }

  /** Stops every process (SIGTERM, then SIGKILL after the timeout) and removes sockets and pid files. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#tick !== undefined) clearInterval(this.#tick);
    await Promise.all([...this.#slots.values()].map((s) => this.#stopSlot(s, 'shutdown')));
    for (const s of this.#slots.values()) {
      rmSync(s.socketPath, { force: true });
      rmSync(this.#pidPath(s.index), { force: true });
    }
    this.#emit();
  }

  #newSlot(index: number): Slot {
    const dir = join(this.poolDir, String(index));
    const slot: Slot = {
      index,
      id: `${this.#config?.pool ?? 'pool'}-${index}`,
      dir,
      socketPath: join(dir, SOCKET_NAME),
      phase: 'stopped',
      handle: undefined,
      intent: undefined,
      connected: false,
      allocatedAt: undefined,
      retiring: false,
      prepared: false,
      argsKey: '',
      backoffMs: this.#o.backoffInitialMs ?? BACKOFF_INITIAL_MS,
      startedAt: 0,
      timer: undefined,
      waiters: [],
    };
    this.#slots.set(index, slot);
    return slot;
  }

  #owner(): SocketOwner {
    return this.#config?.socketOwner ?? this.#o.socketOwner;
  }

  /** What a device process was started with; a slot started otherwise is restarted once idle. */
  #argsKey(): string {
    return JSON.stringify({ args: this.#config?.deviceArgs ?? [], owner: this.#owner() });
  }

  #pidPath(index: number): string {
    return join(this.poolDir, `${index}.pid`);
  }

  /** Beside the pid file, outside the slot folder a VM's pod mounts. */
  #statsPath(index: number): string {
    return join(this.poolDir, `${index}.stats.json`);
  }

  #inUse(s: Slot, now = Date.now()): boolean {
    return s.connected || (s.allocatedAt !== undefined && now - s.allocatedAt < (this.#o.allocationHoldMs ?? ALLOCATION_HOLD_MS));
  }

  #emit(): void {
    for (const l of this.#listeners) l();
  }

  #prepareFolder(slot: Slot): void {
    const { uid, gid } = this.#owner();
    try {
      mkdirSync(slot.dir, { recursive: true });
      chownSync(slot.dir, uid, gid);
      chmodSync(slot.dir, DIR_MODE);
      rmSync(slot.socketPath, { force: true });
      slot.prepared = true;
    } catch (e: unknown) {
      throw new SlotDirError(`cannot prepare ${slot.dir} for uid ${uid} gid ${gid}: ${getErrorMessage(e)}`, { cause: e });
    }
  }

  #launch(slot: Slot): void {
    slot.timer = undefined;
    if (this.#stopping || this.#config === undefined) return;
    slot.argsKey = this.#argsKey();
    slot.intent = undefined;
    slot.phase = 'starting';
    slot.startedAt = Date.now();
    const { uid, gid } = this.#owner();
    const args = ['device', '--socket', slot.socketPath, '--socket-owner', `${uid}:${gid}`, '--socket-mode', SOCKET_MODE.toString(8), '--stats-file', this.#statsPath(slot.index), ...this.#config.deviceArgs];
    let handle: ChildDevice;
    try {
      this.#prepareFolder(slot);
      handle = new ChildDevice(this.#o.deviceCommand, args, this.#events(slot, () => handle));
    } catch (e: unknown) {
      const err = e instanceof SlotDirError ? e : new SpawnError(`cannot start the device of slot ${slot.index}`, { cause: e });
      this.#log.error('Slot could not start; retrying', { slot: slot.index, err });
      this.#scheduleRestart(slot);
      return;
    }
    slot.handle = handle;
    const pid = handle.pid;
    const startTime = pid === undefined ? undefined : processStartTime(pid, this.#o.procRoot);
    if (pid !== undefined && startTime !== undefined) {
      const record: PidFile = { pid, startTime, argsKey: slot.argsKey };
      writeFileSync(this.#pidPath(slot.index), JSON.stringify(record) + '\n');
    }
    this.#log.info('Started a device process', { slot: slot.index, pid, socket: slot.socketPath });
    this.#emit();
  }

  #events(slot: Slot, handle: () => DeviceHandle | undefined): DeviceEvents {
    const mine = (): boolean => slot.handle !== undefined && slot.handle === handle();
    const log = this.#log.child('device', { slot: slot.index });
    return {
      onListening: () => {
        if (!mine()) return;
        slot.phase = 'serving';
        this.#log.info('Slot is serving', { slot: slot.index, socket: slot.socketPath });
        this.#emit();
      },
      onFrontend: (connected) => {
        if (!mine()) return;
        slot.connected = connected;
        if (!connected) slot.allocatedAt = undefined;
        this.#log.info(connected ? 'VM connected to slot' : 'VM left slot', { slot: slot.index });
        this.#emit();
        this.#reconcile();
      },
      onLog: (record) => {
        if (typeof record === 'string') {
          log.warn('Device process wrote', { line: record });
          return;
        }
        const { msg, level, ts: _ts, logger: _logger, ...fields } = record;
        const text = typeof msg === 'string' ? msg : 'Device process logged';
        if (level === 'error') log.error(text, fields);
        else if (level === 'warn') log.warn(text, fields);
        else if (level === 'debug') log.debug(text, fields);
        else log.info(text, fields);
      },
      onExit: (code, signal) => {
        const h = handle();
        if (h !== undefined && slot.handle === h) this.#exited(slot, code, signal);
      },
    };
  }

  #exited(slot: Slot, code: number | null, signal: string | null): void {
    if (slot.handle instanceof AdoptedDevice) slot.handle.dispose();
    slot.handle = undefined;
    slot.connected = false;
    rmSync(slot.socketPath, { force: true });
    rmSync(this.#pidPath(slot.index), { force: true });
    const waiters = slot.waiters.splice(0);
    for (const w of waiters) w();
    const intent = slot.intent ?? (slot.retiring ? 'retire' : undefined);
    slot.intent = undefined;
    if (intent === 'shutdown' || this.#stopping) {
      slot.phase = 'stopped';
    } else if (intent === 'retire') {
      this.#slots.delete(slot.index);
      rmSync(slot.dir, { recursive: true, force: true });
      this.#log.info('Retired a slot', { slot: slot.index });
    } else if (intent === 'restart') {
      this.#launch(slot);
    } else {
      this.#restarts++;
      if (Date.now() - slot.startedAt >= (this.#o.backoffResetMs ?? BACKOFF_RESET_MS)) slot.backoffMs = this.#o.backoffInitialMs ?? BACKOFF_INITIAL_MS;
      this.#log.warn('Device process exited; restarting after a pause', { slot: slot.index, code, signal, pauseMs: slot.backoffMs });
      this.#scheduleRestart(slot);
    }
    this.#emit();
  }

  #scheduleRestart(slot: Slot): void {
    slot.phase = 'backoff';
    slot.timer = setTimeout(() => this.#launch(slot), slot.backoffMs);
    slot.backoffMs = Math.min(slot.backoffMs * 2, this.#o.backoffMaxMs ?? BACKOFF_MAX_MS);
  }

  #stopSlot(slot: Slot, intent: Intent): Promise<void> {
    if (slot.timer !== undefined) clearTimeout(slot.timer);
    slot.timer = undefined;
    const handle = slot.handle;
    if (handle === undefined) {
      slot.phase = 'stopped';
      return Promise.resolve();
    }
    slot.intent = intent;
    slot.phase = 'stopping';
    return new Promise<void>((resolve) => {
      const kill = setTimeout(() => handle.signal('SIGKILL'), this.#o.stopTimeoutMs ?? STOP_TIMEOUT_MS);
      slot.waiters.push(() => {
        clearTimeout(kill);
        resolve();
      });
      handle.signal('SIGTERM');
    });
  }

  /** Pending changes for slots not in use: retire, restart with new arguments, take over adopted ones. */
  #reconcile(): void {
    if (this.#stopping) return;
    const now = Date.now();
    for (const slot of [...this.#slots.values()]) {
      if (slot.intent !== undefined || this.#inUse(slot, now)) continue;
      if (slot.retiring) {
        if (slot.handle !== undefined) void this.#stopSlot(slot, 'retire');
        else {
          if (slot.timer !== undefined) clearTimeout(slot.timer);
          this.#slots.delete(slot.index);
          rmSync(slot.dir, { recursive: true, force: true });
          this.#log.info('Retired a slot', { slot: slot.index });
          this.#emit();
        }
      } else if (slot.handle !== undefined && (slot.argsKey !== this.#argsKey() || slot.handle.kind === 'adopted')) {
        this.#log.info('Restarting an idle slot to apply the pool config', { slot: slot.index });
        void this.#stopSlot(slot, 'restart');
      }
    }
  }

  async #adoptOrClean(config: PoolConfig): Promise<void> {
    const dir = this.poolDir;
    for (const name of readdirSync(dir)) {
      const m = /^(\d+)\.pid$/.exec(name);
      if (m?.[1] === undefined) continue;
      const index = Number(m[1]);
      let record: PidFile | undefined;
      try {
        record = JSON.parse(readFileSync(join(dir, name), 'utf8')) as PidFile;
      } catch {
        // A torn pid file: nothing to adopt from it.
        record = undefined;
      }
      const socketPath = join(dir, String(index), SOCKET_NAME);
      const alive = record !== undefined && typeof record.pid === 'number' && isSameProcess(record.pid, String(record.startTime), this.#o.procRoot);
      if (alive && record !== undefined && index < config.slots && connectedFrontends(socketPath, this.#o.procRoot) > 0) {
        const slot = this.#newSlot(index);
        slot.phase = 'serving';
        slot.prepared = true;
        slot.connected = true;
        slot.argsKey = record.argsKey;
        const adopted: AdoptedDevice = new AdoptedDevice(record.pid, record.startTime, socketPath, this.#o.tickMs ?? TICK_MS, this.#events(slot, () => adopted), this.#o.procRoot);
        slot.handle = adopted;
        this.#log.info('Adopted a device process with a VM attached', { slot: index, pid: record.pid });
        continue;
      }
      if (alive && record !== undefined) {
        await this.#killStray(record);
        this.#log.info('Stopped a device process left by an earlier agent', { slot: index, pid: record.pid });
      }
      rmSync(join(dir, name), { force: true });
    }
    for (const name of readdirSync(dir)) {
      if (!/^\d+$/.test(name)) continue;
      const index = Number(name);
      if (this.#slots.has(index)) continue;
      const socketPath = join(dir, name, SOCKET_NAME);
      if (existsSync(socketPath)) {
        rmSync(socketPath, { force: true });
        this.#log.info('Removed a stale socket', { socket: socketPath });
      }
      if (index >= config.slots) rmSync(join(dir, name), { recursive: true, force: true });
    }
    // Stats files of devices that are not running: their numbers would be stale.
    for (const name of readdirSync(dir)) {
      const m = /^(\d+)\.stats\.json$/.exec(name);
      if (m?.[1] !== undefined && !this.#slots.has(Number(m[1]))) rmSync(join(dir, name), { force: true });
    }
  }

  async #killStray(record: PidFile): Promise<void> {
    const gone = (): boolean => !isSameProcess(record.pid, record.startTime, this.#o.procRoot);
    const send = (sig: NodeJS.Signals): void => {
      try {
        process.kill(record.pid, sig);
      } catch {
        // Already gone.
      }
    };
    send('SIGTERM');
    const deadline = Date.now() + (this.#o.stopTimeoutMs ?? STOP_TIMEOUT_MS);
    while (!gone() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (!gone()) send('SIGKILL');
    while (!gone()) await new Promise((r) => setTimeout(r, 50));
  }
}
