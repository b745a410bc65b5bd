// What a page shows while its data loads, and when loading failed.
import { describe } from "./messages.js";

export function LoadState({ loading, data, error }) {
  return (
    <>
      {loading && !data && <p>Loading…</p>}
      {error && (
        <p class="error" role="alert">
          {describe(error)}
        </p>
      )}
    </>
  );
}
