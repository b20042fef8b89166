package dev.coldbrew.cli.commands;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ctrl-C for {@code serve}, as a user of a server in a terminal expects it: the first exits the
 * JVM, whose shutdown hook stops the platform gracefully (drains, then terminates); a second while
 * that runs calls {@code hurry} (stop at once). The JVM alone cannot tell a second Ctrl-C from the
 * first, so this installs a SIGINT handler through {@code sun.misc.Signal} (module {@code
 * jdk.unsupported}, exported to every class), looked up reflectively so that nothing is compiled
 * against it. Where it cannot be installed (another JVM, {@code -Xrs}, SIGINT ignored by the
 * parent), Ctrl-C stays the JVM's: a graceful stop, without the shortcut.
 */
final class SecondInterrupt {
  /** The exit status of a process ended by SIGINT, as the JVM's own handler gives it. */
  static final int EXIT_STATUS = 130;

  private SecondInterrupt() {}

  /**
   * Installs the handler.
   *
   * @param hurry run (on a thread of its own) at the second Ctrl-C and each after it
   * @return whether it is installed
   */
  static boolean install(Runnable hurry) {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
      Object sigint = signal.getConstructor(String.class).newInstance("INT");
      AtomicInteger presses = new AtomicInteger();
      Object handler =
          Proxy.newProxyInstance(
              handlerType.getClassLoader(),
              new Class<?>[] {handlerType},
              (proxy, method, args) -> {
                if (!method.getName().equals("handle")) {
                  return objectMethod(proxy, method, args);
                }
                if (presses.incrementAndGet() == 1) {
                  // System.exit waits for the shutdown hook: not on the thread handling signals
                  new Thread(() -> System.exit(EXIT_STATUS), "coldbrew-interrupt").start();
                } else {
                  new Thread(hurry, "coldbrew-hurry").start();
                }
                return null;
              });
      Object previous =
          signal.getMethod("handle", signal, handlerType).invoke(null, sigint, handler);
      Object ignored = handlerType.getField("SIG_IGN").get(null);
      if (previous != null && previous.equals(ignored)) { // the parent wanted SIGINT ignored
        signal.getMethod("handle", signal, handlerType).invoke(null, sigint, previous);
        return false;
      }
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return false;
    }
  }

  private static Object objectMethod(Object proxy, Method method, Object[] args) {
    return switch (method.getName()) {
      case "equals" -> proxy == args[0];
      case "hashCode" -> System.identityHashCode(proxy);
      default -> "coldbrew's SIGINT handler";
    };
  }
}
