// Where this installation keeps secrets, said truthfully: the OS keychain,
// or (SCIMWATCH_SECRET_STORE=file) a 0600 file in the data folder.
import { useEffect, useState } from "react";
import { appInfo } from "./ipc";

export interface SecretStoreWording {
  /** "Stored in keychain" / "Stored in secrets file" (a connection's token). */
  stored: string;
  /** "the OS keychain" / "the secrets file (…/secrets.json)" — after "in" or "from". */
  place: string;
}

/** The wording for `kind` (`keychain`, `file`, `memory`; `null` while unknown). */
export function secretStoreWording(kind: string | null, path: string | null = null): SecretStoreWording {
  switch (kind) {
    case "keychain":
      return { stored: "Stored in keychain", place: "the OS keychain" };
    case "file":
      return { stored: "Stored in secrets file", place: path ? `the secrets file (${path})` : "the secrets file" };
    case "memory":
      return { stored: "Stored in memory", place: "memory (forgotten when scimwatch quits)" };
    default:
      // Unknown yet (or an older back end): say nothing we cannot back up.
      return { stored: "Stored", place: "the secret store" };
  }
}

/** The secret store of this installation, from `app_info` (null until known or on failure). */
export function useSecretStore(): SecretStoreWording & { kind: string | null } {
  const [info, setInfo] = useState<{ kind: string; path: string | null } | null>(null);
  useEffect(() => {
    let live = true;
    appInfo()
      .then((i) => {
        if (live) setInfo({ kind: i.secret_store, path: i.secret_store_path ?? null });
      })
      .catch(() => {
        /* the wording stays neutral */
      });
    return () => {
      live = false;
    };
  }, []);
  return { kind: info?.kind ?? null, ...secretStoreWording(info?.kind ?? null, info?.path ?? null) };
}
