package dev.coldbrew.kubernetes;

import dev.coldbrew.store.StoreException;
import java.util.List;

/**
 * The cluster lacks some of Coldbrew's CustomResourceDefinitions: the message names them and the
 * manifest that installs them. Unlike an unreachable API server, retrying does not help, so the
 * controller stops with this message. Immutable.
 */
public final class MissingCrdsException extends StoreException {
  private static final long serialVersionUID = 1L;

  private final List<String> missing;

  MissingCrdsException(String masterUrl, List<String> missing) {
    super(
        Reason.UNAVAILABLE,
        "the cluster at "
            + masterUrl
            + " lacks Coldbrew's CustomResourceDefinitions "
            + String.join(", ", missing)
            + "; install them with `kubectl apply -f "
            + Crds.INSTALL_FILE
            + "` (in the coldbrew-kubernetes jar and under coldbrew-kubernetes/src/main/resources)");
    this.missing = List.copyOf(missing);
  }

  /** The names of the missing CRDs ({@code <plural>.<group>}). */
  public List<String> missing() {
    return missing;
  }
}
