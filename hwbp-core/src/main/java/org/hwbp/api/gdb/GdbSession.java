package org.hwbp.api.gdb;

import java.net.InetSocketAddress;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One connected gdb, as its target sees it: the way to report asynchronous stops and console output while gdb
 * waits after {@code c}/{@code s}. Safe to call from any thread; never blocks on gdb's reply.
 */
@ProviderType
public interface GdbSession {

    /** The connected gdb's address. */
    InetSocketAddress peer();

    /**
     * The target stopped. If gdb is waiting for a stop (after {@code c}, {@code s}, {@code vCont} or an
     * interrupt) it gets the stop reply now; otherwise the event only becomes what {@code ?} answers.
     *
     * @return whether gdb was waiting and was sent the stop reply
     */
    boolean stopped(StopEvent event);

    /**
     * Text for gdb's console ({@code O} packets). gdb shows it only while it waits for a stop, so text written
     * while the target is stopped is dropped.
     *
     * @return whether gdb was waiting and was sent the text
     */
    boolean console(String text);

    /** Whether gdb is connected and the session has not ended. */
    boolean isOpen();
}
