package org.hwbp.api;

/**
 * Who owns a CPU's debug registers at an instant (the claim protocol of the product; Linux has no such
 * notion: KVM and kgdb simply take the registers).
 *
 * @param kind HOST, GUEST or DEBUGGER
 * @param vm the VM id when {@code kind} is GUEST, else 0
 * @param vcpu the vCPU index when {@code kind} is GUEST, else -1
 */
public record Holder(Kind kind, int vm, int vcpu) {

    public enum Kind { HOST, GUEST, DEBUGGER }

    public static final Holder HOST = new Holder(Kind.HOST, 0, -1);
    public static final Holder DEBUGGER = new Holder(Kind.DEBUGGER, 0, -1);

    public static Holder guest(int vm, int vcpu) {
        return new Holder(Kind.GUEST, vm, vcpu);
    }

    public boolean isHost() {
        return kind == Kind.HOST;
    }

    /** {@code HOST}, {@code DEBUGGER} or {@code GUEST vm/vcpu}. */
    @Override
    public String toString() {
        return kind == Kind.GUEST ? "GUEST " + vm + "/" + vcpu : kind.name();
    }
}
