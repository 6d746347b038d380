import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { KeyDialog } from "./auth/key-dialog.js";
import { SessionProvider, useSession } from "./auth/session.js";
import { NAVIGATION, ROUTES } from "./routes.js";
import { Link } from "./router/link.js";
import { matchPath, useLocation } from "./router/router.js";
import { KeyDialogContext } from "./ui/key-dialog-context.js";
import { Empty } from "./ui/states.js";
import { PageHeader } from "./ui/page-header.js";

export function App(): JSX.Element {
  return (
    <SessionProvider>
      <Shell />
    </SessionProvider>
  );
}

function Shell(): JSX.Element {
  const { pathname } = useLocation();
  const [keyDialogOpen, setKeyDialogOpen] = useState(false);
  const [menuOpen, setMenuOpen] = useState(false);
  let page: JSX.Element | null = null;
  let section = "";
  for (const route of ROUTES) {
    const params = matchPath(route.pattern, pathname);
    if (params) {
      page = route.render(params);
      section = route.section;
      break;
    }
  }
  return (
    <KeyDialogContext.Provider value={{ open: () => setKeyDialogOpen(true) }}>
      <div class="shell">
        <header class="topbar">
          <button
            type="button"
            class="menu-button"
            aria-label="menu"
            aria-expanded={menuOpen}
            onClick={() => setMenuOpen(!menuOpen)}
          >
            ☰
          </button>
          <Link href="/" class="brand">
            omicslake
          </Link>
          <span class="spacer" />
          <KeyStatus onOpen={() => setKeyDialogOpen(true)} />
        </header>
        <nav
          class={menuOpen ? "sidebar open" : "sidebar"}
          aria-label="sections"
          onClick={() => setMenuOpen(false)}
        >
          {NAVIGATION.map((n) => (
            <Link
              key={n.section}
              href={n.href}
              class={n.section === section ? "nav-link active" : "nav-link"}
            >
              {n.label}
            </Link>
          ))}
          <a class="nav-link external" href="/docs">
            API reference ↗
          </a>
        </nav>
        <main class="content" key={pathname}>
          {page ?? <NotFound path={pathname} />}
        </main>
        <KeyDialog open={keyDialogOpen} onClose={() => setKeyDialogOpen(false)} />
      </div>
    </KeyDialogContext.Provider>
  );
}

/** The header's key button: who the dashboard acts as, and that it is read-only without a key. */
function KeyStatus({ onOpen }: { onOpen: () => void }): JSX.Element {
  const session = useSession();
  const key = session.keyError || session.checking || session.checkError ? null : session.me?.key;
  return (
    <button
      type="button"
      class={key ? "key-status signed-in" : "key-status"}
      onClick={onOpen}
      {...(session.checkError ? { title: session.checkError.message } : {})}
      data-testid="key-status"
    >
      {session.keyError
        ? "Stored key refused · read-only"
        : session.checking
          ? "Checking the key…"
          : session.checkError
            ? "Key not checked · read-only"
            : key
              ? `${key.name} · ${session.isAdmin ? "admin" : session.canWrite ? "write" : "read"}`
              : "Read-only · enter API key"}
    </button>
  );
}

function NotFound({ path }: { path: string }): JSX.Element {
  return (
    <>
      <PageHeader title="Page not found" />
      <Empty title={`Nothing lives at ${path}`}>
        <p>
          Go to the <Link href="/">overview</Link> or the <Link href="/catalog">catalog</Link>.
        </p>
      </Empty>
    </>
  );
}
