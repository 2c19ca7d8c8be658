CREATE TABLE "job_skills" (
	"job_id" integer NOT NULL,
	"skill_id" text NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"weight" double precision NOT NULL,
	CONSTRAINT "job_skills_job_id_skill_id_pk" PRIMARY KEY("job_id","skill_id")
);
--> statement-breakpoint
CREATE TABLE "resume_skills" (
	"resume_id" text NOT NULL,
	"skill_id" text NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"score" double precision NOT NULL,
	"method" text NOT NULL,
	"evidence" text NOT NULL,
	CONSTRAINT "resume_skills_resume_id_skill_id_pk" PRIMARY KEY("resume_id","skill_id")
);
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "skills_status" text DEFAULT 'pending' NOT NULL;--> statement-breakpoint
ALTER TABLE "resumes" ADD COLUMN "skills_status" text DEFAULT 'pending' NOT NULL;--> statement-breakpoint
ALTER TABLE "job_skills" ADD CONSTRAINT "job_skills_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resume_skills" ADD CONSTRAINT "resume_skills_resume_id_resumes_id_fk" FOREIGN KEY ("resume_id") REFERENCES "public"."resumes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "job_skills_skill_idx" ON "job_skills" USING btree ("skill_id");--> statement-breakpoint
CREATE INDEX "jobs_skills_status_idx" ON "jobs" USING btree ("skills_status","id");