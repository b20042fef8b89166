package dev.coldbrew.api.model;

import com.fasterxml.jackson.databind.JsonNode;

/** A TCP connect probe. {@code port} is a number or a port name (Kubernetes IntOrString). */
public class TCPSocketAction {
  public JsonNode port;
  public String host;
}
