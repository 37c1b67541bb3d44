/**
 * What the console's header says about the workspace dbxops watches, so a newcomer opening the page
 * knows what is happening before the first card arrives. Built by the composition root; the console
 * only serves it (`GET /api/status`) and the page renders it.
 */
export interface WorkspaceStatus {
  /** The embedded demo workspace, or a real one. */
  readonly mode: 'embedded' | 'workspace';
  /** The workspace's name (the scenario's workspace name, or the host of a real one). */
  readonly name: string;
  readonly host: string;
  /** One line on what the workspace is (the scenario's description); absent for a real workspace. */
  readonly description?: string;
  /** The workspace's clock, epoch ms: simulated in the embedded mode. */
  readonly now: number;
  /** Workspace seconds per real second: the page keeps its clock ticking between refreshes. */
  readonly speed: number;
  /** The next thing the demo has in store, when one is known. */
  readonly next?: { readonly at: number; readonly text: string };
  /**
   * What keeps the monitoring from working right now, one line each (a source that has not polled within
   * its interval, Redis or the store away, a workspace refusing us); absent while all is well.
   */
  readonly health?: readonly string[];
}
