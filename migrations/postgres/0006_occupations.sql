CREATE TABLE "job_occupations" (
	"job_id" integer NOT NULL,
	"occupation_id" text NOT NULL,
	"title" text NOT NULL,
	"score" double precision NOT NULL,
	CONSTRAINT "job_occupations_job_id_occupation_id_pk" PRIMARY KEY("job_id","occupation_id")
);
--> statement-breakpoint
CREATE TABLE "resume_occupations" (
	"resume_id" text NOT NULL,
	"occupation_id" text NOT NULL,
	"title" text NOT NULL,
	"score" double precision NOT NULL,
	CONSTRAINT "resume_occupations_resume_id_occupation_id_pk" PRIMARY KEY("resume_id","occupation_id")
);
--> statement-breakpoint
ALTER TABLE "job_occupations" ADD CONSTRAINT "job_occupations_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resume_occupations" ADD CONSTRAINT "resume_occupations_resume_id_resumes_id_fk" FOREIGN KEY ("resume_id") REFERENCES "public"."resumes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "job_occupations_occupation_idx" ON "job_occupations" USING btree ("occupation_id","job_id");