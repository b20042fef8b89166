package dev.coldbrew.api.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Kubernetes Endpoints: {@code <rev>} is a Revision's public endpoints (the activator or its
 * instances), {@code <rev>-private} its ready instances. Locally every instance listens on its own
 * port, so each address is a subset of its own.
 */
public class Endpoints extends Resource {
  public List<Subset> subsets;

  public Endpoints() {
    super(Kind.ENDPOINTS);
  }

  @Override
  public Kind resourceKind() {
    return Kind.ENDPOINTS;
  }

  @Override
  public Status status() {
    return null;
  }

  /** Endpoints have no status: null. */
  @Override
  public Status ensureStatus() {
    return null;
  }

  /** {@code ip:port} of every address, in order. */
  public List<String> addresses() {
    List<String> out = new ArrayList<>();
    if (subsets != null) {
      for (Subset s : subsets) {
        if (s.addresses == null) {
          continue;
        }
        for (Address a : s.addresses) {
          if (s.ports == null || s.ports.isEmpty()) {
            out.add(a.ip);
          } else {
            for (Port p : s.ports) {
              out.add(a.ip + ":" + p.port);
            }
          }
        }
      }
    }
    return out;
  }

  /** One group of addresses sharing ports. */
  public static class Subset {
    public List<Address> addresses;
    public List<Port> ports;
  }

  /** An address, with the instance it belongs to. */
  public static class Address {
    public String ip;
    public String hostname;
    public String nodeName;
  }

  /** A port. */
  public static class Port {
    public String name;
    public Integer port;
    public String protocol;
  }
}
