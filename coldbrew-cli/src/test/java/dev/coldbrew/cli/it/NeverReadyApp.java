package dev.coldbrew.cli.it;

/**
 * A test app that starts and never listens on $PORT, so its readiness probe never passes: an
 * instance of it is never ready. It runs until it is stopped.
 */
public final class NeverReadyApp {
  private NeverReadyApp() {}

  public static void main(String[] args) throws Exception {
    System.out.println("never-ready app started; not listening on " + System.getenv("PORT"));
    Thread.sleep(Long.MAX_VALUE);
  }
}
