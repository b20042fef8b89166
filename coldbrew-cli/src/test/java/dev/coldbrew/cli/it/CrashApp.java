package dev.coldbrew.cli.it;

/** A test app that fails at once: prints a line and exits with code 3. */
public final class CrashApp {
  private CrashApp() {}

  public static void main(String[] args) {
    System.err.println("crash-app: cannot start: no database configured");
    System.exit(3);
  }
}
