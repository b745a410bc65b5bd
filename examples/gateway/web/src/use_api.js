// Loading state for a page: runs `load` (an async function of the API) now
// and on `reload()`, and signs out when the gateway refuses the key.
import { useCallback, useEffect, useState } from "preact/hooks";

export function useApi(load, onUnauthenticated) {
  const [state, setState] = useState({ loading: true, data: null, error: null });
  const reload = useCallback(async () => {
    setState((s) => ({ ...s, loading: true }));
    try {
      setState({ loading: false, data: await load(), error: null });
    } catch (e) {
      if (e.code === "UNAUTHENTICATED" && onUnauthenticated) return onUnauthenticated();
      setState({ loading: false, data: null, error: e });
    }
  }, []);
  useEffect(() => {
    reload();
  }, [reload]);
  return { ...state, reload };
}
