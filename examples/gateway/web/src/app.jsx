// The page's frame: sign-in, then a navigation column beside the current page.
import { useState } from "preact/hooks";
import { LocationProvider, Router, Route, useLocation } from "preact-iso";
import { credentials } from "./api.js";
import { GatewayCallback, SignIn } from "./pages/sign_in.jsx";
import { Connectors } from "./pages/connectors.jsx";
import { AddConnector } from "./pages/add_connector.jsx";
import { Tools } from "./pages/tools.jsx";
import { Catalog } from "./pages/catalog.jsx";
import { NotFound } from "./pages/not_found.jsx";
import { ConnectorSignIn, SignInCallback } from "./pages/connector_sign_in.jsx";
import { EditConnector } from "./pages/edit_connector.jsx";

// The sections of the navigation. Operations pages (audit log, approvals,
// limits, metrics) join this list as the gateway gains their APIs.
const SECTIONS = [
  { href: "/connectors", label: "Connectors" },
  { href: "/connectors/new", label: "Add connector" },
  { href: "/tools", label: "Tools" },
  { href: "/catalog", label: "Catalog" },
];

function Navigation({ onSignOut }) {
  const { path } = useLocation();
  return (
    <nav class="nav" aria-label="Sections">
      <ul>
        {SECTIONS.map((s) => (
          <li key={s.href}>
            <a href={s.href} aria-current={path === s.href || (path === "/" && s.href === "/connectors") ? "page" : undefined}>
              {s.label}
            </a>
          </li>
        ))}
      </ul>
      <p class="nav-session">
        Session <code>{credentials.session()}</code>
      </p>
      <button type="button" class="secondary" onClick={onSignOut}>
        Sign out
      </button>
    </nav>
  );
}

export function App() {
  const [signedIn, setSignedIn] = useState(credentials.signedIn());
  const signOut = () => {
    credentials.signOut();
    setSignedIn(false);
  };
  if (!signedIn) {
    // The authorization server sends the browser back here after an OAuth sign-in to the gateway.
    if (window.location.pathname === "/auth/callback") return <GatewayCallback onSignedIn={() => setSignedIn(true)} />;
    return <SignIn onSignedIn={() => setSignedIn(true)} />;
  }
  return (
    <LocationProvider>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/connectors">
          polymcp gateway
        </a>
      </header>
      <div class="frame">
        <Navigation onSignOut={signOut} />
        <main id="main" tabIndex={-1}>
          <Router>
            <Route path="/" component={Connectors} onUnauthenticated={signOut} />
            <Route path="/connectors" component={Connectors} onUnauthenticated={signOut} />
            <Route path="/connectors/new" component={AddConnector} onUnauthenticated={signOut} />
            <Route path="/connectors/:id/sign-in" component={ConnectorSignIn} onUnauthenticated={signOut} />
            <Route path="/connectors/:id/edit" component={EditConnector} onUnauthenticated={signOut} />
            <Route path="/oauth/callback" component={SignInCallback} onUnauthenticated={signOut} />
            <Route path="/tools" component={Tools} onUnauthenticated={signOut} />
            <Route path="/catalog" component={Catalog} onUnauthenticated={signOut} />
            <Route default component={NotFound} />
          </Router>
        </main>
      </div>
    </LocationProvider>
  );
}
