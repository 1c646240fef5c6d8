package stent.runtime;

/**
 * A method activation: the continuation frame of the IR (entity, key, method, block, slots).
 * A suspended frame resumes in {@link #block} with the answer stored in {@link #resultSlot}.
 */
public final class Frame {
    public final EntityState self;
    public final Spec.Method method;
    public final Object[] slots;
    public int block;
    public int resultSlot;
    /** The transaction running on this thread, for {@code print(...)}. */
    static final ThreadLocal<Transaction> CURRENT_TXN = new ThreadLocal<>();

    /** Reached through a reference: the return value is copied. */
    final boolean remote;

    public Frame(EntityState self, Spec.Method method, Object[] args, boolean remote) {
        this.self = self;
        this.method = method;
        this.slots = new Object[Math.max(method.slots, args.length)];
        System.arraycopy(args, 0, slots, 0, args.length);
        this.remote = remote;
    }

    /** {@code print(...)}: to the engine's log. */
    public static void print(String line) {
        Transaction t = CURRENT_TXN.get();
        if (t != null) t.print(line);
        else System.err.println(line);
    }

    /** Records where to resume and which slot receives the answer, before suspending. */
    public Frame suspend(int resumeBlock, int resultSlot) {
        this.block = resumeBlock;
        this.resultSlot = resultSlot;
        return this;
    }
}
