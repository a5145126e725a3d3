// aws-local-stepfunctions 3.x uses Promise.withResolvers, which Node 20 lacks (Node 22 has it).
import '../lab/polyfills.ts';
