import type { ComponentChildren, JSX } from "preact";
import { navigate } from "./router.js";

type AnchorProps = Omit<JSX.HTMLAttributes<HTMLAnchorElement>, "href" | "onClick">;

/** An in-app link: a real `<a href>` (so it can be opened in a new tab or copied) that navigates in place. */
export function Link(props: AnchorProps & { href: string; children?: ComponentChildren }): JSX.Element {
  const { href, children, ...rest } = props;
  return (
    <a
      {...rest}
      href={href}
      onClick={(event) => {
        if (event.defaultPrevented || event.button !== 0) return;
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}
