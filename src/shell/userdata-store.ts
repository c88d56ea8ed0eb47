/**
 * Adapts the durable per-user store (src/store/userdata.ts, `UserData`) to the shell's
 * `ShellUserStore`. Declared structurally so the shell does not import the store.
 */
import type { ShellUserStore } from './port.js';

export interface UserDataLike {
  getHistory(user: string): readonly string[];
  appendHistory(user: string, line: string): void;
  listBookmarks(user: string): readonly { readonly name: string; readonly target: string }[];
  addBookmark(user: string, name: string, target: string): { readonly ok: boolean };
  deleteBookmark(user: string, name: string): boolean;
  listAliases(user: string): Readonly<Record<string, string>>;
  setAlias(user: string, name: string, command: string): void;
  deleteAlias(user: string, name: string): boolean;
  lastLogin(user: string): { readonly at: number } | undefined;
}

export function shellStoreFromUserData(data: UserDataLike): ShellUserStore {
  return {
    getHistory: (user) => data.getHistory(user),
    appendHistory: (user, line) => data.appendHistory(user, line),
    listBookmarks: (user) => Object.fromEntries(data.listBookmarks(user).map((b) => [b.name, b.target])),
    addBookmark: (user, name, target) => data.addBookmark(user, name, target).ok,
    deleteBookmark: (user, name) => data.deleteBookmark(user, name),
    lastLogin: (user) => data.lastLogin(user)?.at,
    listAliases: (user) => data.listAliases(user),
    setAlias: (user, name, command) => data.setAlias(user, name, command),
    deleteAlias: (user, name) => data.deleteAlias(user, name),
  };
}
