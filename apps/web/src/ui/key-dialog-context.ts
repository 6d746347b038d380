import { createContext } from "preact";
import { useContext } from "preact/hooks";

/** Lets any component open the API-key dialog the app shell owns (an error asking for a key, say). */
export const KeyDialogContext = createContext<{ open: () => void }>({ open: () => undefined });

export function useKeyDialog(): { open: () => void } {
  return useContext(KeyDialogContext);
}
